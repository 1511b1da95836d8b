// Seed 000 end to end: a host runs a proctored interview with real sockets,
// and the SQLite file holds what happened afterwards.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, uid, is, expectShape, q, sqlBool, requestJoin, admit, settle,
} from './lib/harness.mjs';

let server;

before(async () => {
  // The flow sends ~60 messages from one participant within a second; lift
  // the default rate limit (30/s, bursts of 60) so it does not interfere.
  // Rate limiting has its own test in backpressure.test.mjs.
  server = await startServer({ args: ['--rate-limit', '10000', '--rate-burst', '10000'] });
});

after(async () => {
  await server?.stopAndCheck();
});

describe('a full proctored interview (seed 000)', () => {
  // One room, driven step by step; later steps build on earlier ones.
  const hostId = uid('host');
  const p1Id = uid('cand');
  const p2Id = uid('cand');
  const p3Id = uid('cand');
  const roomname = 'Technical Interview - React';
  const question = 'Implement a React custom hook';
  let host;
  let p1;
  let p2;
  let p3;
  let roomId;
  const submissions = [];

  test('CREATE_ROOM answers ROOM_CREATED with a 6-character roomId', async () => {
    host = await server.connect({ label: 'host' });
    host.send({
      type: 'CREATE_ROOM',
      token: server.token(hostId, 'Alice Host'),
      roomname,
      maxGuests: 5,
      question,
      duration: 60,
      isPublic: false,
    });
    const m = await host.next('ROOM_CREATED');
    expectShape(m.data, {
      roomId: is.matches(/^[A-Za-z0-9]{6}$/),
      roomname,
      message: is.string,
    }, 'ROOM_CREATED.data');
    roomId = m.data.roomId;

    const [row] = await server.sql(`select * from rooms where roomId = ${q(roomId)}`);
    assert.ok(row, 'the room is stored once ROOM_CREATED is sent');
    assert.equal(row.status, 'WAITING');
    assert.equal(row.hostId, hostId);
  });

  test('JOIN_ROOM to a private room: WAITING_APPROVAL to the joiner, JOIN_REQUEST to the host', async () => {
    // The participant uses the "/" endpoint, the host "/ws": both serve the dialect.
    p1 = await server.connect({ path: '/', label: 'p1' });
    const t0 = Date.now();
    p1.send({ type: 'JOIN_ROOM', token: server.token(p1Id, 'John Doe'), roomId });
    const waiting = await p1.next('WAITING_APPROVAL');
    expectShape(waiting, { message: is.string, roomId }, 'WAITING_APPROVAL');

    const req = await host.next('JOIN_REQUEST');
    expectShape(req.data, {
      userId: p1Id,
      username: 'John Doe',
      socketId: is.nonEmptyString,
      timestamp: is.recentMillis,
    }, 'JOIN_REQUEST.data');
    assert.ok(req.data.timestamp >= t0 - 1000, 'JOIN_REQUEST.timestamp is the request time');

    // Persisted before it is published.
    const attempts = await server.sql(
      `select status from join_attempts where roomId = ${q(roomId)} and userId = ${q(p1Id)}`);
    assert.deepEqual(attempts.map((r) => r.status), ['PENDING']);
    await p1.expectNone('JOIN_APPROVED');
  });

  test('APPROVE_JOIN: JOIN_APPROVED to the participant, USER_JOINED to the room', async () => {
    host.send({ type: 'APPROVE_JOIN', roomId, userId: p1Id, approve: true });
    const approved = await p1.next('JOIN_APPROVED');
    expectShape(approved.data, {
      roomId,
      roomname,
      question,
      duration: 60,
      hostName: 'Alice Host',
      role: 'participant',
      status: 'WAITING',
      startedAt: null,
      endsAt: null,
    }, 'JOIN_APPROVED.data');

    const joined = await host.next('USER_JOINED');
    expectShape(joined.data, { userId: p1Id, username: 'John Doe', connectedCount: 2 },
      'USER_JOINED.data');

    const [member] = await server.sql(
      `select status from room_users where roomId = ${q(roomId)} and userId = ${q(p1Id)}`);
    assert.equal(member?.status, 'APPROVED');

    // A second participant: now USER_JOINED reaches a participant too.
    p2 = await admit(server, host, roomId, p2Id, 'Jane Roe');
    const seenByP1 = await p1.next('USER_JOINED', { where: (m) => m.data?.userId === p2Id });
    expectShape(seenByP1.data, { username: 'Jane Roe', connectedCount: 3 }, 'USER_JOINED.data');
  });

  test('START_ROOM: ROOM_STARTED to host and participants, endsAt = startedAt + duration', async () => {
    const t0 = Date.now();
    host.send({ type: 'START_ROOM', roomId });
    for (const c of [host, p1, p2]) {
      const m = await c.next('ROOM_STARTED');
      expectShape(m.data, {
        roomId,
        startedAt: is.recentMillis,
        endsAt: is.number,
        duration: 60,
        serverTime: is.recentMillis,
      }, `ROOM_STARTED.data (${c.label})`);
      assert.ok(m.data.startedAt >= t0 - 1000 && m.data.startedAt <= Date.now() + 1000,
        `startedAt ${m.data.startedAt} is the time START_ROOM was handled`);
      // 60 minutes, to the second.
      assert.ok(Math.abs(m.data.endsAt - m.data.startedAt - 60 * 60_000) <= 1000,
        `endsAt - startedAt = ${m.data.endsAt - m.data.startedAt} ms, expected 60 min`);
    }
    const [row] = await server.sql(
      `select status, startedAt from rooms where roomId = ${q(roomId)}`);
    assert.equal(row.status, 'LIVE');
    assert.ok(is.recentMillis(row.startedAt), `rooms.startedAt is INTEGER ms, got ${row.startedAt}`);
  });

  test('FULLSCREEN_EXIT and TAB_BLUR reach the host as numbered violations', async () => {
    // The seed's client puts its userId in the message; the server uses the token's.
    p1.send({ type: 'FULLSCREEN_EXIT', roomId, userId: p1Id });
    const v1 = await host.next('VIOLATION_DETECTED');
    expectShape(v1.data, {
      userId: p1Id,
      username: 'John Doe',
      violationType: 'FULLSCREEN_EXIT',
      violationCount: 1,
      timestamp: is.recentMillis,
      message: is.nonEmptyString,
    }, 'VIOLATION_DETECTED.data');

    p1.send({ type: 'TAB_BLUR', roomId, userId: p1Id });
    const v2 = await host.next('VIOLATION_DETECTED');
    expectShape(v2.data, {
      userId: p1Id,
      violationType: 'TAB_SWITCH',
      violationCount: 2,
      timestamp: is.recentMillis,
    }, 'VIOLATION_DETECTED.data');

    // Violations go to the host only, not to the other candidates.
    await p2.ping();
    await p2.expectNone('VIOLATION_DETECTED');
    await p1.expectNone('VIOLATION_DETECTED', 0);
  });

  test('FULLSCREEN_ENTER and TAB_FOCUS are PROCTORING_UPDATEs, not violations', async () => {
    p1.send({ type: 'FULLSCREEN_ENTER', roomId, userId: p1Id });
    const u1 = await host.next('PROCTORING_UPDATE');
    expectShape(u1.data, {
      userId: p1Id,
      username: 'John Doe',
      eventType: 'FULLSCREEN_ENTER',
      timestamp: is.recentMillis,
      message: is.string,
    }, 'PROCTORING_UPDATE.data');
    p1.send({ type: 'TAB_FOCUS', roomId });
    const u2 = await host.next('PROCTORING_UPDATE');
    assert.equal(u2.data.eventType, 'TAB_FOCUS');
    await host.expectNone('VIOLATION_DETECTED');
  });

  test('a burst of CODE_CHANGEs is coalesced; the host ends with the latest code', async () => {
    const n = 50;
    for (let i = 1; i <= n; i += 1) {
      p1.send({ type: 'CODE_CHANGE', roomId, code: `// draft ${i}\n`, language: 'javascript' });
    }
    const lastCode = `// draft ${n}\n`;
    const last = await host.next('CODE_UPDATE', { where: (m) => m.data?.code === lastCode });
    expectShape(last.data, {
      userId: p1Id,
      username: 'John Doe',
      code: lastCode,
      language: 'javascript',
      timestamp: is.recentMillis,
    }, 'CODE_UPDATE.data');
    // Give a late (stale) update two coalescing intervals (200 ms each) to show up.
    await settle(450);
    host.drain('CODE_UPDATE');
    const all = host.all('CODE_UPDATE');
    // 50 changes sent back to back span at most a few 200 ms intervals; one
    // update per interval, plus leading and trailing edges, stays far below 50.
    assert.ok(all.length <= 10,
      `host got ${all.length} CODE_UPDATEs for ${n} CODE_CHANGEs; expected coalescing`);
    assert.equal(all.at(-1).data.code, lastCode,
      `the last of the ${all.length} CODE_UPDATEs has the latest code`);
    await p2.expectNone('CODE_UPDATE', 0);
  });

  test('SUBMIT_CODE: SUBMISSION_RECEIVED to the submitter, USER_SUBMITTED with the code to the host', async () => {
    for (const code of ['function customHook() { return 1; }',
      'function customHook() { return useState(0); }']) {
      p1.send({ type: 'SUBMIT_CODE', roomId, userId: p1Id, code, language: 'javascript' });
      const ack = await p1.next('SUBMISSION_RECEIVED');
      expectShape(ack, { message: is.nonEmptyString, roomId, submissionTime: is.recentMillis },
        'SUBMISSION_RECEIVED');
      const sub = await host.next('USER_SUBMITTED');
      expectShape(sub.data, {
        userId: p1Id,
        username: 'John Doe',
        submissionTime: is.recentMillis,
        code,
        language: 'javascript',
      }, 'USER_SUBMITTED.data');
      submissions.push(code);
      // Acknowledged only after the commit: the row is there now.
      const rows = await server.sql(
        `select code from submissions where roomId = ${q(roomId)} and userId = ${q(p1Id)}`);
      assert.ok(rows.some((r) => r.code === code), 'the submission is stored before the ack');
    }
    await p2.expectNone('USER_SUBMITTED', 0);
  });

  test('GET_ROOM_STATUS: the host sees every participant, a participant only itself', async () => {
    const s = await host.status(roomId);
    expectShape(s, {
      roomId,
      roomname,
      status: 'LIVE',
      hostId,
      hostName: 'Alice Host',
      hostConnected: true,
      question,
      duration: 60,
      maxGuests: 5,
      isPublic: false,
      createdAt: is.recentMillis,
      startedAt: is.recentMillis,
      endsAt: is.number,
      serverTime: is.recentMillis,
      connectedCount: 3,
      yourRole: 'host',
      participants: is.array,
    }, 'ROOM_STATUS.data (host)');
    const byId = Object.fromEntries(s.participants.map((p) => [p.userId, p]));
    assert.deepEqual(Object.keys(byId).sort(), [p1Id, p2Id].sort(),
      'participants lists the two participants (not the host)');
    expectShape(byId[p1Id], {
      username: 'John Doe', status: 'APPROVED', connected: true,
      violationCount: 2, hasSubmitted: true,
    }, 'participant p1');
    expectShape(byId[p2Id], {
      username: 'Jane Roe', status: 'APPROVED', connected: true,
      violationCount: 0, hasSubmitted: false,
    }, 'participant p2');

    const mine = await p1.status(); // roomId may be omitted once in the room
    expectShape(mine, {
      roomId, status: 'LIVE', question, yourRole: 'participant', yourStatus: 'APPROVED',
      hostConnected: true,
    }, 'ROOM_STATUS.data (p1)');
    assert.equal(mine.participants.length, 1, 'a participant sees only itself');
    expectShape(mine.participants[0], { userId: p1Id, violationCount: 2, hasSubmitted: true },
      'p1 in its own status');
  });

  test('KICK_USER: KICKED then close 4003 for the user, USER_KICKED to the room, no way back', async () => {
    host.send({ type: 'KICK_USER', roomId, userId: p2Id, reason: 'Multiple violations' });
    const kicked = await p2.next('KICKED');
    expectShape(kicked, { message: is.contains('Multiple violations'), roomId, reason: 'Multiple violations' },
      'KICKED');
    const { code } = await p2.waitClosed();
    assert.equal(code, 4003, 'the kicked connection is closed with 4003');

    for (const c of [host, p1]) {
      const m = await c.next('USER_KICKED');
      expectShape(m.data, { userId: p2Id, username: 'Jane Roe', reason: 'Multiple violations' },
        `USER_KICKED.data (${c.label})`);
    }

    const again = await server.connect({ label: 'p2 again' });
    again.send({ type: 'JOIN_ROOM', token: server.token(p2Id, 'Jane Roe'), roomId });
    await again.expectError('KICKED', { requestType: 'JOIN_ROOM' });
    await host.expectNone('JOIN_REQUEST');
    again.close();

    const [kick] = await server.sql(
      `select reason from kick_events where roomId = ${q(roomId)} and userId = ${q(p2Id)}`);
    assert.equal(kick?.reason, 'Multiple violations');
  });

  test('END_ROOM: ROOM_ENDED to everyone in the room, pending users too; then ERROR ROOM_ENDED', async () => {
    p3 = await requestJoin(server, host, roomId, p3Id, 'Pending Pete');
    const t0 = Date.now();
    host.send({ type: 'END_ROOM', roomId });
    for (const c of [host, p1, p3]) {
      const m = await c.next('ROOM_ENDED');
      expectShape(m, { message: is.nonEmptyString, roomId, reason: 'HOST', endedAt: is.recentMillis },
        `ROOM_ENDED (${c.label})`);
      assert.ok(m.endedAt >= t0 - 1000);
    }

    p1.send({ type: 'SUBMIT_CODE', roomId, code: 'too late', language: 'javascript' });
    await p1.expectError('ROOM_ENDED', { requestType: 'SUBMIT_CODE' });
    await host.expectNone('USER_SUBMITTED');

    const late = await server.connect({ label: 'late joiner' });
    late.send({ type: 'JOIN_ROOM', token: server.token(uid('late'), 'Late'), roomId });
    await late.expectError('ROOM_ENDED', { requestType: 'JOIN_ROOM' });
    late.close();
  });

  test('the database holds the whole interview', async () => {
    const [room] = await server.sql(`select * from rooms where roomId = ${q(roomId)}`);
    expectShape(room, {
      roomId, hostId, roomname, maxGuests: 5, question, duration: 60, status: 'ENDED',
      createdAt: is.recentMillis, startedAt: is.recentMillis, endedAt: is.recentMillis,
    }, 'rooms row');
    assert.equal(sqlBool(room.isPublic), false);
    assert.ok(room.createdAt <= room.startedAt && room.startedAt <= room.endedAt,
      'createdAt <= startedAt <= endedAt');

    const members = await server.sql(
      `select userId, username, status, violationCount, hasSubmitted from room_users
       where roomId = ${q(roomId)}`);
    const m = Object.fromEntries(members.map((r) => [r.userId, r]));
    expectShape(m[p1Id], { username: 'John Doe', status: 'APPROVED', violationCount: 2 }, 'room_users p1');
    assert.equal(sqlBool(m[p1Id].hasSubmitted), true);
    expectShape(m[p2Id], { status: 'KICKED' }, 'room_users p2');
    assert.equal(sqlBool(m[p2Id].hasSubmitted), false);

    const violations = await server.sql(
      `select userId, type, timestamp from violations where roomId = ${q(roomId)}
       order by timestamp, rowid`);
    assert.deepEqual(violations.map((v) => [v.userId, v.type]),
      [[p1Id, 'FULLSCREEN_EXIT'], [p1Id, 'TAB_SWITCH']],
      'two violations; none for the kicked user, whose connection the server closed');
    assert.ok(violations.every((v) => is.recentMillis(v.timestamp)), 'violations.timestamp is ms');

    const subs = await server.sql(
      `select userId, code, language from submissions where roomId = ${q(roomId)} order by rowid`);
    assert.deepEqual(subs.map((s) => [s.userId, s.code, s.language]),
      submissions.map((code) => [p1Id, code, 'javascript']), 'every submission is stored');

    const attempts = await server.sql(
      `select userId, status from join_attempts where roomId = ${q(roomId)}`);
    const attemptStatus = (u) => attempts.filter((a) => a.userId === u).map((a) => a.status);
    assert.deepEqual(attemptStatus(p1Id), ['APPROVED']);
    // p2's refused attempt after the kick may or may not leave a row of its own.
    assert.ok(attemptStatus(p2Id).includes('APPROVED') && !attemptStatus(p2Id).includes('PENDING'),
      `p2's attempts: ${attemptStatus(p2Id)}`);
    assert.equal(attemptStatus(p3Id).length, 1, 'the pending request is recorded');

    const kicks = await server.sql(
      `select userId, reason from kick_events where roomId = ${q(roomId)}`);
    assert.deepEqual(kicks.map((k) => [k.userId, k.reason]), [[p2Id, 'Multiple violations']]);
  });

  after(() => {
    for (const c of [host, p1, p2, p3]) c?.terminate();
  });
});
