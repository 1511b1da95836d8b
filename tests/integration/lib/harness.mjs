// Integration harness: a real proctord on a free loopback port with its own
// temporary SQLite file, HS256 tokens minted here (so tests can also forge bad
// ones), WebSocket clients that record everything they receive, and the
// sqlite3 CLI to read the database afterwards.
//
// Waits are event-driven: next() resolves when a matching message arrives and
// fails after a timeout, printing what the client did receive and the tail of
// the server's log. Nothing here sleeps to make an assertion about timing.
//
// The pieces live beside this file, one per role (server, client, tokens,
// db, shapes, resume); tests import everything from here.

import { randomBytes } from 'node:crypto';
import { QUIET_MS } from './client.mjs';

export { Client, DEFAULT_TIMEOUT_MS, QUIET_MS, expectHandshakeRefused, brief } from './client.mjs';
export { startServer, Server, proctordBin, proctorctlBin } from './server.mjs';
export {
  token, badTokens, decodeToken, verifyHs256, randomSecret, b64url,
} from './tokens.mjs';
export { sql, q, sqlBool } from './db.mjs';
export { now, rebase } from './clock.mjs';
export { is, expectShape } from './shapes.mjs';
export {
  DURABLE_TYPES, resumeTokenOf, seqsOf, lastSeqOf, assertStrictlyIncreasing, assertSeqOnDurable,
  resume, eventLog, frameVsStored, addressedTo, approvedSeqOf, badResumeTokens,
} from './resume.mjs';

/// Waits `ms`: a window for late or unwanted messages to show up before a
/// test looks at everything received. Never used to assert how long
/// something took.
export function settle(ms = QUIET_MS) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/// A unique id per call, so tests sharing one server never collide.
let uniqueCounter = 0;
export function uid(prefix = 'u') {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${uniqueCounter}-${randomBytes(2).toString('hex')}`;
}

// -- room flows shared by the test files ----------------------------------------

/// Connects `sub` as a host and creates a room. Returns {host, roomId, created}.
export async function createRoom(server, opts = {}) {
  const hostId = opts.hostId ?? uid('host');
  const hostName = opts.hostName ?? 'Alice Host';
  const host = await server.connect({ label: `host ${hostId}` });
  const created = await host.request({
    type: 'CREATE_ROOM',
    token: server.token(hostId, hostName),
    roomname: opts.roomname ?? 'Technical Interview - React',
    maxGuests: opts.maxGuests ?? 5,
    question: opts.question ?? 'Implement a React custom hook',
    duration: opts.duration ?? 60,
    isPublic: opts.isPublic ?? false,
  }, 'ROOM_CREATED');
  return { host, hostId, hostName, roomId: created.data.roomId, created };
}

/// Connects `sub` and sends JOIN_ROOM; for a private room waits for
/// WAITING_APPROVAL and the host's JOIN_REQUEST. Returns the client.
export async function requestJoin(server, host, roomId, sub, name) {
  const c = await server.connect({ label: sub });
  c.send({ type: 'JOIN_ROOM', token: server.token(sub, name), roomId });
  await c.next('WAITING_APPROVAL');
  await host.next('JOIN_REQUEST', { where: (m) => m.data?.userId === sub });
  return c;
}

/// Joins and has the host approve. Returns the admitted client (its
/// JOIN_APPROVED consumed) once the host saw USER_JOINED for it.
export async function admit(server, host, roomId, sub, name) {
  const c = await requestJoin(server, host, roomId, sub, name);
  host.send({ type: 'APPROVE_JOIN', roomId, userId: sub, approve: true });
  await c.next('JOIN_APPROVED');
  await host.next('USER_JOINED', { where: (m) => m.data?.userId === sub });
  return c;
}

/// START_ROOM and wait for the host's ROOM_STARTED.
export async function startRoom(host, roomId) {
  return host.request({ type: 'START_ROOM', roomId }, 'ROOM_STARTED');
}
