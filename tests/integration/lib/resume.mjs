// Resuming a seat: resume tokens, RESUME on a new connection, sequence
// numbers, and the room's event log (the `events` table) they must match.
//
// A client's view of a room is the durable events addressed to it: audience
// EVERYONE (pending users too), HOST (the host), USER (that userId) and
// MEMBERS (the host, and a participant from its JOIN_APPROVED on).

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { sql, q } from './db.mjs';
import { brief } from './client.mjs';
import { b64url } from './tokens.mjs';

/// Messages that carry a top-level seq (protocol/README.md, "Ordered events").
export const DURABLE_TYPES = new Set([
  'ROOM_CREATED', 'WAITING_APPROVAL', 'JOIN_REQUEST', 'JOIN_APPROVED', 'JOIN_REJECTED',
  'USER_JOINED', 'USER_LEFT', 'ROOM_STARTED', 'ROOM_ENDED', 'VIOLATION_DETECTED',
  'PROCTORING_UPDATE', 'SUBMISSION_RECEIVED', 'USER_SUBMITTED', 'KICKED', 'USER_KICKED',
]);

const TOKEN_CARRIERS = new Set(['ROOM_CREATED', 'JOIN_APPROVED', 'WAITING_APPROVAL']);

/// The latest resume token the given connections (of one user) received.
export function resumeTokenOf(...clients) {
  let found;
  for (const c of clients) {
    for (const { msg } of c.received) {
      if (!TOKEN_CARRIERS.has(msg?.type)) continue;
      const t = msg.type === 'WAITING_APPROVAL' ? msg.resumeToken : msg.data?.resumeToken;
      assert.ok(typeof t === 'string' && t.length > 0,
        `[${c.label}] ${msg.type} carries no resumeToken: ${brief(msg, 600)}`);
      found = t;
    }
  }
  assert.ok(found, `no ROOM_CREATED / JOIN_APPROVED / WAITING_APPROVAL with a resumeToken ` +
    `among ${clients.map((c) => c.label).join(', ')}`);
  return found;
}

/// Every seq the connections received, in arrival order (pass them oldest first).
export function seqsOf(...clients) {
  return clients.flatMap((c) => c.received.map((e) => e.msg?.seq).filter((s) => s !== undefined));
}

/// The highest seq the connections received (0 if none).
export function lastSeqOf(...clients) {
  return seqsOf(...clients).reduce((a, b) => Math.max(a, b), 0);
}

/// Fails unless `seqs` are positive integers, strictly increasing.
export function assertStrictlyIncreasing(seqs, what) {
  for (let i = 0; i < seqs.length; i += 1) {
    assert.ok(Number.isInteger(seqs[i]) && seqs[i] > 0, `${what}: seq ${brief(seqs[i])} is not a positive integer`);
    if (i > 0) {
      assert.ok(seqs[i] > seqs[i - 1],
        `${what}: seq ${seqs[i]} after ${seqs[i - 1]} (duplicate or out of order) in ${brief(seqs, 2000)}`);
    }
  }
}

/// Checks that every durable message the connections got has a seq and every
/// other one has none (e.g. a resent submission's ack).
export function assertSeqOnDurable(client, { exceptAckResends = true } = {}) {
  for (const { msg } of client.received) {
    if (msg?.type === 'SUBMISSION_RECEIVED' && exceptAckResends) continue;
    if (DURABLE_TYPES.has(msg?.type)) {
      assert.ok(Number.isInteger(msg.seq), `[${client.label}] durable ${msg.type} has no seq: ${brief(msg)}`);
    } else {
      assert.equal(msg?.seq, undefined, `[${client.label}] ${msg?.type} must carry no seq: ${brief(msg)}`);
    }
  }
}

/// RESUME on a new connection (opts.token: authenticate it at the handshake
/// first). Resolves {client, reply, replay}: reply is the first RESUMED,
/// RESYNC_REQUIRED, ERROR, ROOM_ENDED or KICKED; after RESUMED, replay holds
/// the `replayed` messages that directly follow it (consumed).
export async function resume(server, resumeToken, lastSeq, opts = {}) {
  const client = await server.connect({ label: opts.label ?? 'resume', token: opts.token });
  client.send({ type: 'RESUME', resumeToken, lastSeq });
  const reply = await client.next(['RESUMED', 'RESYNC_REQUIRED', 'ERROR', 'ROOM_ENDED', 'KICKED'],
    { timeout: opts.timeout });
  const replay = [];
  if (reply.type === 'RESUMED') {
    assert.ok(Number.isInteger(reply.replayed) && reply.replayed >= 0,
      `RESUMED.replayed is not a count: ${brief(reply)}`);
    const at = client.received.findIndex((e) => e.msg === reply);
    for (let i = 0; i < reply.replayed; i += 1) {
      const m = await client.next(null, { timeout: opts.timeout });
      const idx = client.received.findIndex((e) => e.msg === m);
      assert.equal(idx, at + 1 + i,
        `[${client.label}] replayed message ${i + 1} of ${reply.replayed} does not directly follow RESUMED`);
      replay.push(m);
    }
  }
  return { client, reply, replay };
}

/// The room's event log, by seq: [{seq, audience, userId, type, msg}] where
/// msg is the stored event, parsed: {v, t, d} in the event log encoding
/// (protocol/README.md), a user_submitted's code and language put back from
/// its submissions row as the store does; type is the native frame's name
/// (every durable t upper-cased is its native type).
export async function eventLog(db, roomId) {
  const rows = await sql(db, `select e.seq, e.audience, e.userId,
    case when e.submissionId is null then e.payload
    else json_set(e.payload, '$.d.code', s.code, '$.d.language', s.language) end payload
    from events e left join submissions s on s.id = e.submissionId
    where e.roomId = ${q(roomId)} order by e.seq`);
  return rows.map((r) => {
    const msg = JSON.parse(r.payload);
    return { seq: r.seq, audience: r.audience, userId: r.userId, type: msg.t.toUpperCase(), msg };
  });
}

/// Differences between a native frame and the stored event it was encoded
/// from: every stored field that the frame carries (in "data" or at the top,
/// camelCased) must hold the same value; enum names compare without case,
/// and a stored time of 0 is the frame's null. [] when they agree.
export function frameVsStored(frame, stored) {
  const diffs = [];
  if (frame.type !== stored.t.toUpperCase()) diffs.push(`type ${frame.type} vs t ${stored.t}`);
  const body = frame.data ?? frame;
  // A RECONNECTED proctoring update names no signal: its eventType says so.
  const reconnected = stored.t === 'proctoring_update' && stored.d?.reconnected === true;
  if (reconnected && body.eventType !== 'RECONNECTED') diffs.push(`eventType ${body.eventType} vs RECONNECTED`);
  for (const [k, v] of Object.entries(stored.d ?? {})) {
    if (reconnected && k === 'what') continue;
    const key = k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    // violationType/eventType are the frame's names for type/what.
    const alias = { type: 'violationType', what: 'eventType' }[k];
    const name = key in body ? key : alias && alias in body ? alias : undefined;
    if (name === undefined) continue;
    const got = body[name];
    const same = typeof v === 'string' && typeof got === 'string'
      ? v.toLowerCase() === got.toLowerCase()
      : got === v || (got === null && v === 0);
    if (!same) diffs.push(`${name}: ${JSON.stringify(got)} vs stored ${JSON.stringify(v)}`);
  }
  return diffs;
}

/// Whether a logged event is addressed to `who`: {userId, host: boolean,
/// memberFrom: the seq of its JOIN_APPROVED (participants; undefined while
/// never approved)}.
export function addressedTo(e, who) {
  switch (e.audience) {
    case 'EVERYONE': return true;
    case 'HOST': return who.host === true;
    case 'USER': return e.userId === who.userId;
    case 'MEMBERS': return who.host === true || (who.memberFrom !== undefined && e.seq >= who.memberFrom);
    default: throw new Error(`unknown audience ${e.audience} at seq ${e.seq}`);
  }
}

/// The seq of the first JOIN_APPROVED the connections received (a
/// participant's membership start), or undefined.
export function approvedSeqOf(...clients) {
  for (const c of clients) {
    const m = c.received.find((e) => e.msg?.type === 'JOIN_APPROVED');
    if (m) return m.msg.seq;
  }
  return undefined;
}

/// Flips the top bit of the base64url character at `i` (never a padding bit,
/// so a lenient decoder cannot ignore the change).
function flipAt(s, i) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const v = alphabet.indexOf(s[i]);
  const c = v < 0 ? (s[i] === 'x' ? 'y' : 'x') : alphabet[(v + 32) % 64];
  return `${s.slice(0, i)}${c}${s.slice(i + 1)}`;
}

/// Resume tokens the server must answer with UNAUTHORIZED, labelled (an
/// empty one is not among them: that is INVALID_FIELD). `good`
/// is a real one; opts.otherUserId / otherRoomId name a user and a room it
/// could be bent towards; opts.jwt is a valid JWT (not a resume token).
export function badResumeTokens(good, opts = {}) {
  const out = {
    'first character changed': flipAt(good, 0),
    'middle character changed': flipAt(good, Math.floor(good.length / 2)),
    'last character changed': flipAt(good, good.length - 1),
    'truncated': good.slice(0, -4),
    'extended': `${good}AAAA`,
    'garbage': 'not-a-resume-token',
  };
  if (opts.jwt) out['a valid JWT instead'] = opts.jwt;
  // Format-aware forgeries for the r1.<room>.<user>.<sig> layout seen on the
  // wire; an opaque token of another layout just gets the generic ones.
  const parts = good.split('.');
  if (parts.length === 4) {
    const [v, room, user, sig] = parts;
    out['signature of another key'] =
      `${v}.${room}.${user}.${createHmac('sha256', randomBytes(32)).update(`${v}.${room}.${user}`).digest('base64url')}`;
    out['signature removed'] = `${v}.${room}.${user}.`;
    out['signature first character changed'] = `${v}.${room}.${user}.${flipAt(sig, 0)}`;
    if (opts.otherUserId) out['another user, signature kept'] = `${v}.${room}.${b64url(opts.otherUserId)}.${sig}`;
    if (opts.otherRoomId) out['another room, signature kept'] = `${v}.${b64url(opts.otherRoomId)}.${user}.${sig}`;
  }
  return out;
}
