// Who may do what: only the host decides, only approved participants report,
// identity comes from the token alone, and a refused action changes nothing.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, uid, expectShape, is, q, badTokens, expectHandshakeRefused, createRoom,
  requestJoin, admit, startRoom,
} from './lib/harness.mjs';

let server;

// Default limits on purpose: normal use must not trip them.
before(async () => { server = await startServer(); });
after(async () => { await server?.stopAndCheck(); });

/// A private room with host H, approved participants P and P2, and Q waiting
/// for approval.
async function roomWithMembers() {
  const r = await createRoom(server);
  r.pId = uid('p');
  r.p2Id = uid('p2');
  r.qId = uid('q');
  r.p = await admit(server, r.host, r.roomId, r.pId, 'Pat Participant');
  r.p2 = await admit(server, r.host, r.roomId, r.p2Id, 'Pam Participant');
  r.q = await requestJoin(server, r.host, r.roomId, r.qId, 'Quinn Pending');
  r.close = () => { for (const c of [r.host, r.p, r.p2, r.q]) c.close(); };
  return r;
}

describe('only the host decides', () => {
  test('a participant cannot APPROVE_JOIN: FORBIDDEN, and the request stays pending', async () => {
    const r = await roomWithMembers();
    r.p.send({ type: 'APPROVE_JOIN', roomId: r.roomId, userId: r.qId, approve: true });
    await r.p.expectError('FORBIDDEN', { requestType: 'APPROVE_JOIN' });
    // A pending user cannot approve itself either.
    r.q.send({ type: 'APPROVE_JOIN', roomId: r.roomId, userId: r.qId, approve: true });
    await r.q.expectError('FORBIDDEN', { requestType: 'APPROVE_JOIN' });
    await r.q.expectNone(['JOIN_APPROVED', 'JOIN_REJECTED']);
    await r.host.expectNone('USER_JOINED', 0);
    const s = await r.host.status(r.roomId);
    assert.equal(s.participants.find((x) => x.userId === r.qId)?.status, 'PENDING');
    const attempts = await server.sql(`select status from join_attempts
      where roomId = ${q(r.roomId)} and userId = ${q(r.qId)}`);
    assert.deepEqual(attempts.map((a) => a.status), ['PENDING']);
    r.close();
  });

  test('a participant (or a pending user) cannot START_ROOM: FORBIDDEN, the room stays WAITING', async () => {
    const r = await roomWithMembers();
    r.p.send({ type: 'START_ROOM', roomId: r.roomId });
    await r.p.expectError('FORBIDDEN', { requestType: 'START_ROOM' });
    r.q.send({ type: 'START_ROOM', roomId: r.roomId });
    await r.q.expectError('FORBIDDEN', { requestType: 'START_ROOM' });
    await r.p2.expectNone('ROOM_STARTED');
    await r.host.expectNone('ROOM_STARTED', 0);
    const s = await r.host.status(r.roomId);
    expectShape(s, { status: 'WAITING', startedAt: null }, 'ROOM_STATUS.data');
    const [row] = await server.sql(`select status, startedAt from rooms where roomId = ${q(r.roomId)}`);
    assert.equal(row.status, 'WAITING');
    assert.equal(row.startedAt, null);
    r.close();
  });

  test('a participant cannot KICK_USER: FORBIDDEN, the other participant stays', async () => {
    const r = await roomWithMembers();
    r.p.send({ type: 'KICK_USER', roomId: r.roomId, userId: r.p2Id, reason: 'I do not like them' });
    await r.p.expectError('FORBIDDEN', { requestType: 'KICK_USER' });
    await r.p2.expectNone('KICKED');
    await r.p2.ping();
    assert.ok(r.p2.isOpen, 'the target is still connected');
    await r.host.expectNone('USER_KICKED', 0);
    const s = await r.host.status(r.roomId);
    expectShape(s.participants.find((x) => x.userId === r.p2Id),
      { status: 'APPROVED', connected: true }, 'the target in the host status');
    const kicks = await server.sql(`select * from kick_events where roomId = ${q(r.roomId)}`);
    assert.deepEqual(kicks, []);
    r.close();
  });

  test('a participant cannot END_ROOM: FORBIDDEN, the room goes on', async () => {
    const r = await roomWithMembers();
    r.p.send({ type: 'END_ROOM', roomId: r.roomId });
    await r.p.expectError('FORBIDDEN', { requestType: 'END_ROOM' });
    for (const c of [r.host, r.p, r.p2, r.q]) await c.expectNone('ROOM_ENDED', 100);
    const [row] = await server.sql(`select status from rooms where roomId = ${q(r.roomId)}`);
    assert.equal(row.status, 'WAITING');
    // The host still runs it.
    await startRoom(r.host, r.roomId);
    await r.p.next('ROOM_STARTED');
    r.close();
  });

  test('the host can kick a pending user, who then cannot come back', async () => {
    const r = await roomWithMembers();
    r.host.send({ type: 'KICK_USER', roomId: r.roomId, userId: r.qId, reason: 'Not invited' });
    await r.q.next('KICKED');
    assert.equal((await r.q.waitClosed()).code, 4003);
    const again = await server.connect({ label: 'q again' });
    again.send({ type: 'JOIN_ROOM', token: server.token(r.qId, 'Quinn Pending'), roomId: r.roomId });
    await again.expectError('KICKED', { requestType: 'JOIN_ROOM' });
    await r.host.expectNone('JOIN_REQUEST');
    again.close();
    r.close();
  });

  test('APPROVE_JOIN / KICK_USER naming nobody: USER_NOT_FOUND; START_ROOM twice: INVALID_STATE', async () => {
    const r = await roomWithMembers();
    r.host.send({ type: 'APPROVE_JOIN', roomId: r.roomId, userId: 'nobody-here', approve: true });
    await r.host.expectError('USER_NOT_FOUND', { requestType: 'APPROVE_JOIN' });
    r.host.send({ type: 'KICK_USER', roomId: r.roomId, userId: 'nobody-here', reason: 'x' });
    await r.host.expectError('USER_NOT_FOUND', { requestType: 'KICK_USER' });
    await startRoom(r.host, r.roomId);
    r.host.send({ type: 'START_ROOM', roomId: r.roomId });
    await r.host.expectError('INVALID_STATE', { requestType: 'START_ROOM' });
    r.close();
  });
});

describe('the host announces', () => {
  test('ANNOUNCE: the host and approved participants get the exact message; pending users do not; nothing is stored', async () => {
    const r = await roomWithMembers();
    // Non-ASCII, quotes and a newline: the text arrives as sent.
    const message = '10 minutes left — please submit "soon"\nGood luck ⏰';
    const t0 = Date.now();
    r.host.send({ type: 'ANNOUNCE', roomId: r.roomId, message });
    for (const c of [r.host, r.p, r.p2]) {
      const m = await c.next('ANNOUNCEMENT');
      expectShape(m.data, {
        roomId: r.roomId, message, from: 'Alice Host', timestamp: is.recentMillis,
      }, `ANNOUNCEMENT.data (${c.label})`);
      assert.ok(m.data.timestamp >= t0 - 1000, 'timestamp is the server time of the ANNOUNCE');
      assert.equal(m.seq, undefined, 'live only: no seq');
    }
    // Live: it works while LIVE too, and roomId may be omitted.
    await startRoom(r.host, r.roomId);
    r.host.send({ type: 'ANNOUNCE', message: '5 minutes left' });
    for (const c of [r.host, r.p, r.p2]) {
      const m = await c.next('ANNOUNCEMENT', { where: (x) => x.data?.message === '5 minutes left' });
      expectShape(m.data, { roomId: r.roomId, from: 'Alice Host' }, `ANNOUNCEMENT.data (${c.label})`);
    }
    await r.q.ping();
    await r.q.expectNone('ANNOUNCEMENT');
    const logged = await server.sql(`select seq from events
      where roomId = ${q(r.roomId)} and payload like '%ANNOUNCEMENT%'`);
    assert.deepEqual(logged, [], 'an announcement is not in the event log');
    r.close();
  });

  test('a participant or a pending user sending ANNOUNCE gets FORBIDDEN; a bad message INVALID_FIELD; nobody hears anything', async () => {
    const r = await roomWithMembers();
    r.p.send({ type: 'ANNOUNCE', roomId: r.roomId, message: 'I am the host now' });
    await r.p.expectError('FORBIDDEN', { requestType: 'ANNOUNCE' });
    r.q.send({ type: 'ANNOUNCE', roomId: r.roomId, message: 'let me in' });
    await r.q.expectError('FORBIDDEN', { requestType: 'ANNOUNCE' });
    for (const bad of [{}, { message: '' }, { message: 42 }, { message: 'x'.repeat(4097) }]) {
      r.host.send({ type: 'ANNOUNCE', roomId: r.roomId, ...bad });
      const err = await r.host.expectError('INVALID_FIELD', { requestType: 'ANNOUNCE' });
      assert.match(err.message, /message/, `the error names the field: ${err.message}`);
    }
    const outsider = await server.connectAs(uid('outsider'), 'Outsider');
    outsider.send({ type: 'ANNOUNCE', roomId: r.roomId, message: 'hello?' });
    await outsider.expectError('NOT_IN_ROOM', { requestType: 'ANNOUNCE' });
    await r.host.ping();
    for (const c of [r.host, r.p, r.p2, r.q]) await c.expectNone('ANNOUNCEMENT', 0);
    // After the end: ROOM_ENDED.
    r.host.send({ type: 'END_ROOM', roomId: r.roomId });
    await r.host.next('ROOM_ENDED');
    r.host.send({ type: 'ANNOUNCE', roomId: r.roomId, message: 'too late' });
    await r.host.expectError('ROOM_ENDED', { requestType: 'ANNOUNCE' });
    await r.p.next('ROOM_ENDED');
    await r.p.expectNone('ANNOUNCEMENT');
    outsider.close();
    r.close();
  });
});

describe('only approved participants report and submit', () => {
  test('a pending user sending SUBMIT_CODE, CODE_CHANGE or proctoring signals gets FORBIDDEN; the host sees nothing', async () => {
    const r = await roomWithMembers();
    await startRoom(r.host, r.roomId);
    const attempts = [
      { type: 'SUBMIT_CODE', code: 'print(1)', language: 'python' },
      { type: 'CODE_CHANGE', code: 'print(', language: 'python' },
      { type: 'FULLSCREEN_EXIT' },
      { type: 'TAB_BLUR' },
    ];
    for (const msg of attempts) {
      r.q.send({ ...msg, roomId: r.roomId, userId: r.qId });
      await r.q.expectError('FORBIDDEN', { requestType: msg.type });
    }
    await r.q.expectNone('SUBMISSION_RECEIVED', 0);
    await r.host.ping();
    await r.host.expectNone(['USER_SUBMITTED', 'CODE_UPDATE', 'VIOLATION_DETECTED']);
    assert.deepEqual(await server.sql(
      `select * from submissions where roomId = ${q(r.roomId)}`), []);
    assert.deepEqual(await server.sql(
      `select * from violations where roomId = ${q(r.roomId)}`), []);
    r.close();
  });

  test('a pending user may ask for the room status but does not see the question', async () => {
    const r = await roomWithMembers();
    const s = await r.q.status(r.roomId);
    expectShape(s, { roomId: r.roomId, question: '', yourRole: 'participant', yourStatus: 'PENDING' },
      'ROOM_STATUS.data (pending)');
    assert.deepEqual(s.participants.map((x) => x.userId), [r.qId], 'only itself');
    r.close();
  });

  test("a userId in SUBMIT_CODE or FULLSCREEN_EXIT is ignored: it counts for the token's user", async () => {
    const r = await roomWithMembers();
    await startRoom(r.host, r.roomId);
    r.p.send({ type: 'SUBMIT_CODE', roomId: r.roomId, userId: r.p2Id, code: 'spoofed()', language: 'js' });
    await r.p.next('SUBMISSION_RECEIVED');
    const sub = await r.host.next('USER_SUBMITTED');
    expectShape(sub.data, { userId: r.pId, username: 'Pat Participant', code: 'spoofed()' },
      'USER_SUBMITTED.data');
    r.p.send({ type: 'FULLSCREEN_EXIT', roomId: r.roomId, userId: r.p2Id });
    const v = await r.host.next('VIOLATION_DETECTED');
    expectShape(v.data, { userId: r.pId, violationCount: 1 }, 'VIOLATION_DETECTED.data');

    const subs = await server.sql(`select userId from submissions where roomId = ${q(r.roomId)}`);
    assert.deepEqual(subs.map((x) => x.userId), [r.pId]);
    const viol = await server.sql(`select userId from violations where roomId = ${q(r.roomId)}`);
    assert.deepEqual(viol.map((x) => x.userId), [r.pId]);
    const s = await r.host.status(r.roomId);
    expectShape(s.participants.find((x) => x.userId === r.p2Id),
      { hasSubmitted: false, violationCount: 0 }, 'the impersonated participant');
    r.close();
  });
});

describe('tokens', () => {
  test('no token: CREATE_ROOM and JOIN_ROOM get UNAUTHORIZED, the connection stays usable', async () => {
    const { host, roomId } = await createRoom(server);
    const c = await server.connect({ label: 'anonymous' });
    c.send({ type: 'CREATE_ROOM', roomname: 'sneaky' });
    await c.expectError('UNAUTHORIZED', { requestType: 'CREATE_ROOM' });
    c.send({ type: 'JOIN_ROOM', roomId });
    await c.expectError('UNAUTHORIZED', { requestType: 'JOIN_ROOM' });
    await c.ping();
    await host.expectNone('JOIN_REQUEST');
    c.close(); host.close();
  });

  // Minted inside each test: the server's secret is known only once it runs.
  // A fresh identity per token, so one wrongly accepted token cannot make
  // the others fail.
  for (const label of Object.keys(badTokens('x', 'x'))) {
    test(`a token with ${label} gets UNAUTHORIZED and changes nothing`, async () => {
      const badSub = uid('mallory');
      const tok = badTokens(server.secret, badSub)[label];
      const { host, roomId } = await createRoom(server);
      const c = await server.connect({ label });
      c.send({ type: 'CREATE_ROOM', token: tok, roomname: 'forged' });
      await c.expectError('UNAUTHORIZED', { requestType: 'CREATE_ROOM' });
      c.send({ type: 'JOIN_ROOM', token: tok, roomId });
      await c.expectError('UNAUTHORIZED', { requestType: 'JOIN_ROOM' });
      await c.ping();
      await host.expectNone('JOIN_REQUEST');
      const rooms = await server.sql(`select roomId from rooms where hostId like ${q(`${badSub}%`)}`);
      assert.deepEqual(rooms, [], 'no room was created for the forged identity');
      c.close(); host.close();
    });
  }

  test('a bad token at the handshake (?token= or Authorization header) is refused with HTTP 401', async () => {
    const bad = badTokens(server.secret, uid('mallory'));
    for (const [label, tok] of Object.entries(bad)) {
      if (tok === '') continue; // "?token=" with nothing in it: no token at all
      const viaQuery = await expectHandshakeRefused(server, { token: tok, label });
      assert.equal(viaQuery, 401, `?token= with ${label}`);
    }
    const viaHeader = await expectHandshakeRefused(server, {
      headers: { Authorization: `Bearer ${bad['wrong secret']}` }, label: 'bearer',
    });
    assert.equal(viaHeader, 401, 'Authorization: Bearer with a wrong secret');
    // A good one is accepted, on both endpoints.
    for (const path of ['/ws', '/']) {
      const ok = await server.connect({ path, token: server.token(uid('ok'), 'Okay'), label: path });
      await ok.ping();
      ok.close();
    }
  });

  test('a connection authenticated as A that sends B\'s token gets IDENTITY_MISMATCH; it stays A', async () => {
    const { host, roomId } = await createRoom(server);
    const aId = uid('a');
    const bId = uid('b');
    const c = await server.connectAs(aId, 'Anna');
    c.send({ type: 'JOIN_ROOM', token: server.token(bId, 'Bert'), roomId });
    await c.expectError('IDENTITY_MISMATCH', { requestType: 'JOIN_ROOM' });
    await host.expectNone('JOIN_REQUEST');
    c.send({ type: 'CREATE_ROOM', token: server.token(bId, 'Bert'), roomname: 'as Bert' });
    await c.expectError('IDENTITY_MISMATCH', { requestType: 'CREATE_ROOM' });
    assert.deepEqual(await server.sql(`select roomId from rooms where hostId = ${q(bId)}`), []);
    // Still A: its own join goes through as A.
    c.send({ type: 'JOIN_ROOM', roomId });
    await c.next('WAITING_APPROVAL');
    const req = await host.next('JOIN_REQUEST');
    expectShape(req.data, { userId: aId, username: 'Anna' }, 'JOIN_REQUEST.data');
    c.close(); host.close();
  });
});

describe('rooms a connection is not in', () => {
  test('commands naming another room get NOT_IN_ROOM and do not reach it', async () => {
    const r1 = await roomWithMembers();
    const r2 = await createRoom(server);
    const q2Id = uid('q2');
    const q2 = await requestJoin(server, r2.host, r2.roomId, q2Id, 'Other Pending');

    const outsider = await server.connectAs(uid('outsider'), 'Outsider');
    outsider.send({ type: 'GET_ROOM_STATUS', roomId: r1.roomId });
    await outsider.expectError('NOT_IN_ROOM', { requestType: 'GET_ROOM_STATUS' });

    r1.p.send({ type: 'SUBMIT_CODE', roomId: r2.roomId, code: 'x', language: 'js' });
    await r1.p.expectError('NOT_IN_ROOM', { requestType: 'SUBMIT_CODE' });
    r1.p.send({ type: 'FULLSCREEN_EXIT', roomId: r2.roomId });
    await r1.p.expectError('NOT_IN_ROOM', { requestType: 'FULLSCREEN_EXIT' });
    r1.host.send({ type: 'START_ROOM', roomId: r2.roomId });
    await r1.host.expectError('NOT_IN_ROOM', { requestType: 'START_ROOM' });
    r1.host.send({ type: 'APPROVE_JOIN', roomId: r2.roomId, userId: q2Id, approve: true });
    await r1.host.expectError('NOT_IN_ROOM', { requestType: 'APPROVE_JOIN' });
    r1.host.send({ type: 'END_ROOM', roomId: r2.roomId });
    await r1.host.expectError('NOT_IN_ROOM', { requestType: 'END_ROOM' });

    await q2.expectNone(['JOIN_APPROVED', 'ROOM_STARTED', 'ROOM_ENDED']);
    await r2.host.expectNone(['USER_SUBMITTED', 'VIOLATION_DETECTED', 'USER_JOINED', 'ROOM_ENDED'], 0);
    const s2 = await r2.host.status(r2.roomId);
    expectShape(s2, { status: 'WAITING' }, 'the other room');
    assert.equal(s2.participants.find((x) => x.userId === q2Id)?.status, 'PENDING');
    // r1 itself is untouched.
    assert.equal((await r1.host.status(r1.roomId)).status, 'WAITING');
    for (const c of [outsider, q2, r2.host]) c.close();
    r1.close();
  });

  test('JOIN_ROOM for another room while in one: ALREADY_IN_ROOM', async () => {
    const r1 = await roomWithMembers();
    const r2 = await createRoom(server);
    r1.p.send({ type: 'JOIN_ROOM', token: server.token(r1.pId, 'Pat Participant'), roomId: r2.roomId });
    await r1.p.expectError('ALREADY_IN_ROOM', { requestType: 'JOIN_ROOM' });
    await r2.host.expectNone('JOIN_REQUEST');
    r2.host.close();
    r1.close();
  });

  test('JOIN_ROOM for an unknown room: ROOM_NOT_FOUND, and the connection can still join a real one', async () => {
    const { host, roomId } = await createRoom(server);
    const c = await server.connect({ label: 'lost' });
    const tok = server.token(uid('lost'), 'Lost Lou');
    // 6 characters like a real id; the chance it exists is 1 in 62^6.
    c.send({ type: 'JOIN_ROOM', token: tok, roomId: roomId === 'Zz9Zz9' ? 'Yy8Yy8' : 'Zz9Zz9' });
    await c.expectError('ROOM_NOT_FOUND', { requestType: 'JOIN_ROOM' });
    c.send({ type: 'JOIN_ROOM', token: tok, roomId });
    await c.next('WAITING_APPROVAL');
    await host.next('JOIN_REQUEST');
    c.close(); host.close();
  });
});
