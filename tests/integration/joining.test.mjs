// Getting into a room and out of it: public rooms, maxGuests, rejection,
// handshake tokens, dropped connections and rejoining, leaving, the host
// coming back, and a second connection taking a seat over.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, uid, is, expectShape, q, createRoom, requestJoin, admit, startRoom, QUIET_MS,
} from './lib/harness.mjs';

let server;

// Default limits on purpose: normal use must not trip them. The presence
// grace is 1 s (not 10): a drop here is meant to be a departure, shown
// within a test's wait.
before(async () => { server = await startServer({ args: ['--presence-grace', '1'] }); });
after(async () => { await server?.stopAndCheck(); });

describe('joining', () => {
  test('a public room admits at once, without a JOIN_REQUEST', async () => {
    const { host, roomId } = await createRoom(server, { isPublic: true });
    const pid = uid('cand');
    const p = await server.connect({ label: 'p' });
    p.send({ type: 'JOIN_ROOM', token: server.token(pid, 'Pub Lic'), roomId });
    const approved = await p.next('JOIN_APPROVED');
    expectShape(approved.data, { roomId, role: 'participant', status: 'WAITING' }, 'JOIN_APPROVED.data');
    const joined = await host.next('USER_JOINED');
    expectShape(joined.data, { userId: pid, username: 'Pub Lic', connectedCount: 2 }, 'USER_JOINED.data');
    await p.expectNone('WAITING_APPROVAL', 0);
    await host.expectNone('JOIN_REQUEST', 0);
    const [member] = await server.sql(
      `select status from room_users where roomId = ${q(roomId)} and userId = ${q(pid)}`);
    assert.equal(member?.status, 'APPROVED');
    host.close(); p.close();
  });

  test('maxGuests: a full public room answers ROOM_FULL', async () => {
    const { host, roomId } = await createRoom(server, { isPublic: true, maxGuests: 1 });
    const a = await server.connect({ label: 'a' });
    a.send({ type: 'JOIN_ROOM', token: server.token(uid('a'), 'A'), roomId });
    await a.next('JOIN_APPROVED');
    const b = await server.connect({ label: 'b' });
    const bId = uid('b');
    b.send({ type: 'JOIN_ROOM', token: server.token(bId, 'B'), roomId });
    await b.expectError('ROOM_FULL', { requestType: 'JOIN_ROOM' });
    await b.expectNone('JOIN_APPROVED');
    const s = await host.status(roomId);
    assert.equal(s.connectedCount, 2, 'host and one guest');
    assert.ok(!s.participants.some((p) => p.userId === bId && p.status === 'APPROVED'));
    for (const c of [host, a, b]) c.close();
  });

  test('maxGuests: approving past the limit answers ROOM_FULL and the request stays pending', async () => {
    const { host, roomId } = await createRoom(server, { maxGuests: 1 });
    const aId = uid('a');
    const bId = uid('b');
    const a = await requestJoin(server, host, roomId, aId, 'A');
    const b = await requestJoin(server, host, roomId, bId, 'B');
    host.send({ type: 'APPROVE_JOIN', roomId, userId: aId, approve: true });
    await a.next('JOIN_APPROVED');
    host.send({ type: 'APPROVE_JOIN', roomId, userId: bId, approve: true });
    await host.expectError('ROOM_FULL', { requestType: 'APPROVE_JOIN' });
    await b.expectNone(['JOIN_APPROVED', 'JOIN_REJECTED']);
    const s = await host.status(roomId);
    const bView = s.participants.find((p) => p.userId === bId);
    assert.equal(bView?.status, 'PENDING', `b stays pending: ${JSON.stringify(s.participants)}`);
    for (const c of [host, a, b]) c.close();
  });

  test('APPROVE_JOIN with approve false: JOIN_REJECTED, recorded as REJECTED', async () => {
    const { host, roomId } = await createRoom(server);
    const pid = uid('cand');
    const p = await requestJoin(server, host, roomId, pid, 'Rejected Ray');
    host.send({ type: 'APPROVE_JOIN', roomId, userId: pid, approve: false });
    const m = await p.next('JOIN_REJECTED');
    expectShape(m, { message: 'The host declined your request to join the room', roomId }, 'JOIN_REJECTED');
    await p.expectNone('JOIN_APPROVED', 0);
    await host.expectNone('USER_JOINED', 0);
    const attempts = await server.sql(
      `select status from join_attempts where roomId = ${q(roomId)} and userId = ${q(pid)}`);
    assert.deepEqual(attempts.map((a) => a.status), ['REJECTED']);
    host.close(); p.close();
  });

  test('a handshake token (?token= or Authorization: Bearer) lets CREATE_ROOM and JOIN_ROOM omit token', async () => {
    const hostId = uid('host');
    const host = await server.connectAs(hostId, 'Handshake Host');
    host.send({ type: 'CREATE_ROOM', roomname: 'No token field', maxGuests: 2 });
    const created = await host.next('ROOM_CREATED');
    const { roomId } = created.data;
    const [row] = await server.sql(`select hostId from rooms where roomId = ${q(roomId)}`);
    assert.equal(row?.hostId, hostId);

    const pid = uid('cand');
    const p = await server.connect({
      label: 'bearer', headers: { Authorization: `Bearer ${server.token(pid, 'Bearer Bob')}` },
    });
    p.send({ type: 'JOIN_ROOM', roomId });
    await p.next('WAITING_APPROVAL');
    const req = await host.next('JOIN_REQUEST');
    expectShape(req.data, { userId: pid, username: 'Bearer Bob' }, 'JOIN_REQUEST.data');
    host.close(); p.close();
  });

  test('HEARTBEAT gets HEARTBEAT_ACK, also before authenticating', async () => {
    const c = await server.connect({ label: 'anon' });
    const ack = await c.ping();
    expectShape(ack, { timestamp: is.recentMillis }, 'HEARTBEAT_ACK');
    c.close();
  });
});

describe('leaving, dropping and coming back', () => {
  test('a connection dropped past the presence grace while LIVE is a DISCONNECT violation; rejoining restores the seat', async () => {
    const { host, roomId } = await createRoom(server);
    const pid = uid('cand');
    const p = await admit(server, host, roomId, pid, 'Flaky Fran');
    await startRoom(host, roomId);
    await p.next('ROOM_STARTED');
    p.send({ type: 'TAB_BLUR', roomId });
    await host.next('VIOLATION_DETECTED', { where: (m) => m.data?.violationCount === 1 });

    await p.terminate(); // the network drops: no close frame
    const v = await host.next('VIOLATION_DETECTED');
    expectShape(v.data, {
      userId: pid, username: 'Flaky Fran', violationType: 'DISCONNECT', violationCount: 2,
      timestamp: is.recentMillis,
    }, 'VIOLATION_DETECTED.data');
    const left = await host.next('USER_LEFT');
    expectShape(left.data, { userId: pid, username: 'Flaky Fran', reason: 'DISCONNECTED', connectedCount: 1 },
      'USER_LEFT.data');
    const rows = await server.sql(
      `select type from violations where roomId = ${q(roomId)} and userId = ${q(pid)}
       order by timestamp, rowid`);
    assert.deepEqual(rows.map((r) => r.type), ['TAB_SWITCH', 'DISCONNECT']);

    // Back again: admitted at once, with the violations kept.
    const back = await server.connect({ label: 'p back' });
    back.send({ type: 'JOIN_ROOM', token: server.token(pid, 'Flaky Fran'), roomId });
    const approved = await back.next('JOIN_APPROVED');
    expectShape(approved.data, {
      roomId, role: 'participant', status: 'LIVE', startedAt: is.recentMillis, endsAt: is.number,
    }, 'JOIN_APPROVED.data on rejoin');
    await back.expectNone('WAITING_APPROVAL', 0);
    await host.expectNone('JOIN_REQUEST', 0);
    const joined = await host.next('USER_JOINED');
    expectShape(joined.data, { userId: pid, connectedCount: 2 }, 'USER_JOINED.data on rejoin');
    const mine = await back.status();
    expectShape(mine.participants[0], { userId: pid, violationCount: 2, connected: true },
      'own status after rejoin');
    back.send({ type: 'FULLSCREEN_EXIT', roomId });
    const v3 = await host.next('VIOLATION_DETECTED');
    expectShape(v3.data, { userId: pid, violationType: 'FULLSCREEN_EXIT', violationCount: 3 },
      'the count goes on from where it was');
    host.close(); back.close();
  });

  test('LEAVE_ROOM is not a violation: the room sees USER_LEFT with reason LEFT', async () => {
    const { host, roomId } = await createRoom(server);
    const pid = uid('cand');
    const p = await admit(server, host, roomId, pid, 'Polite Pat');
    await startRoom(host, roomId);
    p.send({ type: 'LEAVE_ROOM', roomId });
    const left = await host.next('USER_LEFT');
    expectShape(left.data, { userId: pid, reason: 'LEFT', connectedCount: 1 }, 'USER_LEFT.data');
    p.close();
    await host.expectNone('VIOLATION_DETECTED', QUIET_MS);
    const rows = await server.sql(
      `select type from violations where roomId = ${q(roomId)} and userId = ${q(pid)}`);
    assert.deepEqual(rows, []);
    host.close();
  });

  test('the host re-joining its room from a new connection is the host again', async () => {
    const { host, hostId, hostName, roomId } = await createRoom(server);
    await host.terminate();
    const again = await server.connect({ label: 'host again' });
    again.send({ type: 'JOIN_ROOM', token: server.token(hostId, hostName), roomId });
    const m = await again.next('JOIN_APPROVED');
    expectShape(m.data, { roomId, role: 'host', hostName }, 'JOIN_APPROVED.data for the host');
    const pid = uid('cand');
    const p = await requestJoin(server, again, roomId, pid, 'Late Larry');
    again.send({ type: 'APPROVE_JOIN', roomId, userId: pid, approve: true });
    await p.next('JOIN_APPROVED');
    again.close(); p.close();
  });

  test('the same user joining from a second connection takes the seat; the old one gets SESSION_REPLACED', async () => {
    const { host, roomId } = await createRoom(server);
    const pid = uid('cand');
    const first = await admit(server, host, roomId, pid, 'Twin Tina');
    const second = await server.connect({ label: 'second' });
    second.send({ type: 'JOIN_ROOM', token: server.token(pid, 'Twin Tina'), roomId });
    await second.next('JOIN_APPROVED');
    await first.expectError('SESSION_REPLACED');
    await first.ping(); // still open, just outside the room
    second.send({ type: 'TAB_BLUR', roomId });
    const v = await host.next('VIOLATION_DETECTED');
    assert.equal(v.data.userId, pid);
    const s = await host.status(roomId);
    assert.equal(s.connectedCount, 2, 'one seat, not two');
    for (const c of [host, first, second]) c.close();
  });
});
