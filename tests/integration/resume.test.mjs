// Ordered events, resume and idempotency (protocol/README.md, "Ordered
// events, resume and idempotency"): a dropped participant or host RESUMEs
// with its resume token and last seen seq and gets exactly the durable events
// addressed to it that it missed; the grace period; the presence grace (a
// short drop is no departure, the host gets RECONNECTED); forged tokens;
// resent submissions and violations; rooms surviving a SIGTERM and a kill -9;
// and a graceful shutdown under a stream of submissions.
//
// Most servers here run with a presence grace of 1 s: a drop that is meant
// to be a departure shows one second after it (within a test's wait), and
// its DISCONNECT is dated at the drop.
//
// "Exactly the events it missed" is checked against the server's own event
// log (the `events` table, filtered by audience) and, for MEMBERS events,
// against a peer that never disconnected.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, uid, is, expectShape, q, sql, settle, createRoom, admit, startRoom,
  resumeTokenOf, seqsOf, lastSeqOf, assertStrictlyIncreasing, assertSeqOnDurable, resume,
  eventLog, frameVsStored, addressedTo, approvedSeqOf, badResumeTokens, brief,
} from './lib/harness.mjs';

/// The presence grace (seconds) of the servers whose drops are departures.
const SHORT_GRACE = ['--presence-grace', '1'];

let server;

before(async () => { server = await startServer({ args: SHORT_GRACE }); });
after(async () => { await server?.stopAndCheck(); });

/// Runs fn(srv) against a server of its own; kills it if fn throws (so a
/// failure cannot leave a process holding the test runner open).
async function withServer(opts, fn) {
  let current = await startServer(opts);
  const handle = {
    get server() { return current; },
    set server(s) { current = s; },
  };
  try {
    await fn(handle);
  } catch (err) {
    await current.kill().catch(() => {});
    throw err;
  }
}

/// The events the log holds for `who` in (after, upTo], by seq.
async function expectedEvents(srv, roomId, who, after, upTo = Infinity) {
  const log = await eventLog(srv.db, roomId);
  return log.filter((e) => e.seq > after && e.seq <= upTo && addressedTo(e, who));
}

/// Checks a RESUMED replay against the event log: the same seqs, in order,
/// and each message the stored event, field by field. Returns the expected
/// events.
async function assertReplayIsLog(srv, roomId, who, r, lastSeq, what) {
  expectShape(r.reply, {
    type: 'RESUMED', roomId, role: who.host ? 'host' : 'participant', lastSeq: is.number,
    replayed: is.number,
  }, `${what}: RESUMED`);
  const expected = await expectedEvents(srv, roomId, who, lastSeq, r.reply.lastSeq);
  assert.deepEqual(r.replay.map((m) => m.seq), expected.map((e) => e.seq),
    `${what}: replayed seqs vs the event log's seqs addressed to ${who.userId} after ${lastSeq} ` +
    `(types replayed ${brief(r.replay.map((m) => m.type))}, logged ${brief(expected.map((e) => e.type))})`);
  r.replay.forEach((m, i) => assert.deepEqual(frameVsStored(m, expected[i].msg), [],
    `${what}: replayed message ${i} vs the stored event ${brief(expected[i].msg)}`));
  assertStrictlyIncreasing(r.replay.map((m) => m.seq), `${what}: replay`);
  return expected;
}

function submit(c, roomId, key, code = `solution ${key}`) {
  c.send({ type: 'SUBMIT_CODE', roomId, code, language: 'javascript', idempotencyKey: key });
}

async function disconnectCount(srv, roomId, userId) {
  const [row] = await srv.sql(`select count(*) n from violations where roomId = ${q(roomId)}
    and userId = ${q(userId)} and type = 'DISCONNECT'`);
  return row.n;
}

describe('resume after a dropped connection', () => {
  test('a participant drops while LIVE, retries with bad tokens, then RESUMEs: one DISCONNECT, exactly the missed events, seat kept', async () => {
    const { host, hostId, roomId } = await createRoom(server, { maxGuests: 5 });
    const p1Id = uid('p1');
    const p2Id = uid('p2');
    const p1 = await admit(server, host, roomId, p1Id, 'Pat Dropper');
    const p2 = await admit(server, host, roomId, p2Id, 'Quinn Stayer');
    await startRoom(host, roomId);
    await p1.next('ROOM_STARTED');
    await p2.next('ROOM_STARTED');
    p1.send({ type: 'TAB_BLUR', roomId, idempotencyKey: uid('blur') });
    await host.next('VIOLATION_DETECTED', { where: (m) => m.data.userId === p1Id && m.data.violationCount === 1 });
    await p1.request({ type: 'SUBMIT_CODE', roomId, code: 'first', language: 'js', idempotencyKey: uid('s') },
      'SUBMISSION_RECEIVED');
    await host.next('USER_SUBMITTED', { where: (m) => m.data.userId === p1Id });

    const token = resumeTokenOf(p1);
    const seen = lastSeqOf(p1);
    const dropAt = Date.now();
    await p1.terminate(); // the network drops: no close frame
    const left = await host.next('USER_LEFT', { where: (m) => m.data.userId === p1Id });
    expectShape(left.data, { userId: p1Id, reason: 'DISCONNECTED', connectedCount: 2 }, 'USER_LEFT.data');
    const v = await host.next('VIOLATION_DETECTED', { where: (m) => m.data.userId === p1Id });
    expectShape(v.data, { violationType: 'DISCONNECT', violationCount: 2 }, 'VIOLATION_DETECTED.data');
    // Dated at the drop, which the room kept to itself for the grace (1 s).
    const leftAt = host.received.find((e) => e.msg === left).at;
    assert.ok(v.data.timestamp >= dropAt && leftAt - v.data.timestamp >= 1000,
      `DISCONNECT dated ${v.data.timestamp}: dropped at ${dropAt}, USER_LEFT arrived at ${leftAt}`);
    await p2.next('USER_LEFT', { where: (m) => m.data.userId === p1Id });

    // The room goes on while p1 is away: a join, p2's submission and
    // violation (not p1's business), a kick.
    const p3Id = uid('p3');
    const p3 = await admit(server, host, roomId, p3Id, 'Rae Late');
    await p2.next('USER_JOINED', { where: (m) => m.data.userId === p3Id });
    await p2.request({ type: 'SUBMIT_CODE', roomId, code: 'p2', language: 'js' }, 'SUBMISSION_RECEIVED');
    p2.send({ type: 'FULLSCREEN_EXIT', roomId });
    await host.next('VIOLATION_DETECTED', { where: (m) => m.data.userId === p2Id });
    host.send({ type: 'KICK_USER', roomId, userId: p3Id, reason: 'test' });
    await p3.next('KICKED');
    await p2.next('USER_KICKED', { where: (m) => m.data.userId === p3Id });

    // Failed reconnect attempts: bad resume tokens, one on a connection
    // authenticated as p1, and a connection that opens and drops.
    const bad = badResumeTokens(token, { otherUserId: hostId, jwt: server.token(p1Id, 'Pat Dropper') });
    for (const [label, t] of Object.entries(bad).slice(0, 4)) {
      const c = await server.connect({ label: `p1 retry (${label})` });
      c.send({ type: 'RESUME', resumeToken: t, lastSeq: seen });
      await c.expectError('UNAUTHORIZED', { requestType: 'RESUME' });
      await c.terminate();
    }
    const authed = await server.connectAs(p1Id, 'Pat Dropper', { label: 'p1 retry (authenticated)' });
    authed.send({ type: 'RESUME', resumeToken: bad['signature first character changed'] ?? bad.garbage, lastSeq: seen });
    await authed.expectError('UNAUTHORIZED', { requestType: 'RESUME' });
    await authed.terminate();
    await (await server.connectAs(p1Id, 'Pat Dropper', { label: 'p1 silent' })).terminate();
    await host.expectNone('VIOLATION_DETECTED');
    assert.equal(await disconnectCount(server, roomId, p1Id), 1, 'one DISCONNECT for the whole absence');

    // Back with the real token and the last seq it saw.
    const r = await resume(server, token, seen, { label: 'p1 resumed' });
    const p1b = r.client;
    const who = { userId: p1Id, host: false, memberFrom: approvedSeqOf(p1) };
    await assertReplayIsLog(server, roomId, who, r, seen, 'p1 replay');
    assert.deepEqual(r.replay.map((m) => m.type), ['USER_LEFT', 'USER_JOINED', 'USER_KICKED'],
      'p1 missed its own USER_LEFT, p3 joining and p3 being kicked (nothing for the host or p2 alone)');
    assert.ok(r.replay.every((m) => m.seq > seen), 'nothing it had already seen');
    // The MEMBERS events a peer that never left saw in the same range.
    const log = await eventLog(server.db, roomId);
    const audienceOf = new Map(log.map((e) => [e.seq, e.audience]));
    const peerMembers = p2.received.map((e) => e.msg)
      .filter((m) => m.seq > seen && m.seq <= r.reply.lastSeq && audienceOf.get(m.seq) === 'MEMBERS');
    assert.deepEqual(r.replay.filter((m) => audienceOf.get(m.seq) === 'MEMBERS'), peerMembers,
      'the MEMBERS events replayed are the ones p2 got live');

    const back = await host.next('USER_JOINED', { where: (m) => m.data.userId === p1Id });
    expectShape(back.data, { userId: p1Id, resumed: true, connectedCount: 3 }, 'USER_JOINED.data on resume');
    const selfBack = await p1b.next('USER_JOINED', { where: (m) => m.data.userId === p1Id });
    assert.ok(selfBack.seq > r.reply.lastSeq, `the live USER_JOINED comes after the replay: ${brief(selfBack)}`);
    assertStrictlyIncreasing(seqsOf(p1, p1b), 'p1 over both connections');
    assertSeqOnDurable(p1b);

    const mine = await p1b.status();
    expectShape(mine.participants[0], {
      userId: p1Id, status: 'APPROVED', connected: true, violationCount: 2, hasSubmitted: true,
    }, 'p1 own status after RESUME');
    const hs = await host.status(roomId);
    expectShape(hs.participants.find((x) => x.userId === p1Id), { violationCount: 2, hasSubmitted: true, connected: true },
      'p1 in the host status');
    const ack = await p1b.request({ type: 'SUBMIT_CODE', roomId, code: 'after', language: 'js' }, 'SUBMISSION_RECEIVED');
    assert.ok(ack.seq > selfBack.seq, 'the seat works: a new submission, numbered after everything');
    await host.expectNone('VIOLATION_DETECTED', 0);
    assert.equal(await disconnectCount(server, roomId, p1Id), 1, 'still one DISCONNECT');
    for (const c of [host, p1b, p2, p3]) c.close();
  });

  test('the host drops, a participant asks to join meanwhile, the host RESUMEs: the JOIN_REQUEST is replayed and can be approved', async () => {
    const { host, hostId, roomId } = await createRoom(server);
    const p1Id = uid('p1');
    const p1 = await admit(server, host, roomId, p1Id, 'Ivy Inside');
    await startRoom(host, roomId);
    await p1.next('ROOM_STARTED');
    const token = resumeTokenOf(host);
    const seen = lastSeqOf(host);
    await host.terminate();
    const left = await p1.next('USER_LEFT', { where: (m) => m.data.userId === hostId });
    expectShape(left.data, { reason: 'DISCONNECTED', connectedCount: 1 }, 'USER_LEFT.data for the host');

    const p2Id = uid('p2');
    const p2 = await server.connect({ label: 'p2' });
    p2.send({ type: 'JOIN_ROOM', token: server.token(p2Id, 'Joe Meanwhile'), roomId });
    await p2.next('WAITING_APPROVAL');
    await p1.request({ type: 'SUBMIT_CODE', roomId, code: 'while away', language: 'js' }, 'SUBMISSION_RECEIVED');

    const r = await resume(server, token, seen, { label: 'host resumed' });
    const h2 = r.client;
    await assertReplayIsLog(server, roomId, { userId: hostId, host: true }, r, seen, 'host replay');
    const req = r.replay.find((m) => m.type === 'JOIN_REQUEST');
    assert.ok(req, `JOIN_REQUEST in the replay: ${brief(r.replay.map((m) => m.type))}`);
    expectShape(req.data, { userId: p2Id, username: 'Joe Meanwhile' }, 'replayed JOIN_REQUEST.data');
    assert.ok(r.replay.some((m) => m.type === 'USER_SUBMITTED' && m.data.userId === p1Id),
      'USER_SUBMITTED from while it was away');
    assert.equal(r.replay.filter((m) => m.type === 'JOIN_REQUEST').length, 1, 'one JOIN_REQUEST, not two');
    await p1.next('USER_JOINED', { where: (m) => m.data.userId === hostId && m.data.resumed === true });

    h2.send({ type: 'APPROVE_JOIN', roomId, userId: p2Id, approve: true });
    const ok = await p2.next('JOIN_APPROVED');
    expectShape(ok.data, { roomId, role: 'participant', status: 'LIVE' }, 'JOIN_APPROVED.data');
    await h2.next('USER_JOINED', { where: (m) => m.data.userId === p2Id });
    const s = await h2.status(roomId);
    assert.equal(s.hostConnected, true);
    assert.equal(s.connectedCount, 3);
    assertStrictlyIncreasing(seqsOf(host, h2), 'host over both connections');
    // No duplicate JOIN_REQUEST after the replay either.
    await h2.expectNone('JOIN_REQUEST');
    for (const c of [h2, p1, p2]) c.close();
  });

  test('the resume tokens: forged or tampered is UNAUTHORIZED, another user\'s is IDENTITY_MISMATCH, a lastSeq beyond the room is RESYNC_REQUIRED, a kicked user gets KICKED', async () => {
    const { host, hostId, roomId } = await createRoom(server);
    const other = await createRoom(server);
    const p1Id = uid('p1');
    const p2Id = uid('p2');
    const p1 = await admit(server, host, roomId, p1Id, 'Tom Token');
    const p2 = await admit(server, host, roomId, p2Id, 'Una Other');
    const t1 = resumeTokenOf(p1);
    const bad = badResumeTokens(t1, {
      otherUserId: hostId, otherRoomId: other.roomId, jwt: server.token(p1Id, 'Tom Token'),
    });
    for (const [label, t] of Object.entries(bad)) {
      const c = await server.connect({ label: `forged (${label})` });
      c.send({ type: 'RESUME', resumeToken: t, lastSeq: 0 });
      const e = await c.next(['ERROR', 'RESUMED', 'RESYNC_REQUIRED']);
      assert.equal(e.code, 'UNAUTHORIZED', `a resume token with the ${label}: ${brief(e)}`);
      assert.equal(e.requestType, 'RESUME');
      await c.ping(); // stays open
      c.close();
    }
    const empty = await server.connect({ label: 'empty token' });
    empty.send({ type: 'RESUME', resumeToken: '', lastSeq: 0 });
    const ee = await empty.next('ERROR');
    assert.ok(['INVALID_FIELD', 'UNAUTHORIZED'].includes(ee.code), `an empty resume token: ${brief(ee)}`);
    empty.close();
    // Nobody took a seat: no one came back, no one was replaced.
    await host.expectNone(['USER_JOINED', 'USER_LEFT'], 0);
    await p1.expectNone('ERROR', 0);
    await p1.ping();

    // p1's token on a connection authenticated as p2 (or as the host).
    for (const [sub, name] of [[p2Id, 'Una Other'], [hostId, 'Alice Host']]) {
      const c = await server.connectAs(sub, name, { label: `as ${sub}` });
      c.send({ type: 'RESUME', resumeToken: t1, lastSeq: 0 });
      await c.expectError('IDENTITY_MISMATCH', { requestType: 'RESUME' });
      c.close();
    }
    await host.expectNone(['USER_JOINED', 'USER_LEFT'], 0);
    await p1.expectNone('ERROR');

    // A lastSeq the room has not reached.
    const t2 = resumeTokenOf(p2);
    await p2.terminate();
    await host.next('USER_LEFT', { where: (m) => m.data.userId === p2Id });
    const [{ top }] = await server.sql(`select max(seq) top from events where roomId = ${q(roomId)}`);
    const r = await resume(server, t2, top + 1000, { label: 'p2 from the future' });
    expectShape(r.reply, { type: 'RESYNC_REQUIRED', reason: 'EVENTS_UNAVAILABLE', data: is.object },
      'RESUME with a lastSeq beyond the room');
    expectShape(r.reply.data, { roomId, yourRole: 'participant', yourStatus: 'APPROVED', participants: is.array },
      'RESYNC_REQUIRED snapshot');
    assert.equal(r.reply.data.participants[0]?.userId, p2Id, 'a participant sees itself');
    const s = await r.client.status();
    assert.equal(s.participants[0].connected, true, 'the seat is back');
    await host.next('USER_JOINED', { where: (m) => m.data.userId === p2Id });

    // A kicked user cannot come back by RESUME either.
    host.send({ type: 'KICK_USER', roomId, userId: p1Id, reason: 'bye' });
    await p1.next('KICKED');
    const k = await resume(server, t1, lastSeqOf(p1), { label: 'p1 kicked' });
    assert.ok(k.reply.type === 'KICKED' || (k.reply.type === 'ERROR' && k.reply.code === 'KICKED'),
      `RESUME after KICK_USER: ${brief(k.reply)}`);
    await k.client.expectNone(['RESUMED', 'RESYNC_REQUIRED'], 0);
    for (const c of [host, other.host, r.client, k.client]) c.close();
  });
});

describe('idempotency keys', () => {
  test('SUBMIT_CODE with a key twice: one row, two acks with the same submissionTime, the resend without seq', async () => {
    const { host, roomId } = await createRoom(server);
    const pid = uid('p');
    const p = await admit(server, host, roomId, pid, 'Ida Empotent');
    await startRoom(host, roomId);
    const k1 = uid('sub');
    const k2 = uid('sub');
    // Back to back: the resend may arrive while the first is being committed.
    submit(p, roomId, k1, 'first');
    submit(p, roomId, k1, 'resend: must not be stored');
    const a1 = await p.next('SUBMISSION_RECEIVED');
    const a2 = await p.next('SUBMISSION_RECEIVED');
    expectShape(a1, { roomId, submissionTime: is.recentMillis, seq: is.number }, 'first ack');
    assert.equal(a2.submissionTime, a1.submissionTime, 'the resend is acked with the original submissionTime');
    assert.equal(a2.seq, undefined, `the resend's ack is no new event: ${brief(a2)}`);
    submit(p, roomId, k2, 'second');
    const a3 = await p.next('SUBMISSION_RECEIVED');
    assert.ok(a3.seq > a1.seq && a3.submissionTime >= a1.submissionTime, 'a new key is a new submission');
    submit(p, roomId, k1, 'late resend');
    const a4 = await p.next('SUBMISSION_RECEIVED');
    assert.equal(a4.submissionTime, a1.submissionTime);
    assert.equal(a4.seq, undefined);
    const shown = [await host.next('USER_SUBMITTED'), await host.next('USER_SUBMITTED')];
    assert.deepEqual(shown.map((m) => m.data.code), ['first', 'second'], 'the host sees each submission once');
    await host.expectNone('USER_SUBMITTED');
    const rows = await server.sql(`select idempotencyKey k, code, submittedAt from submissions
      where roomId = ${q(roomId)} and userId = ${q(pid)} order by id`);
    assert.deepEqual(rows, [
      { k: k1, code: 'first', submittedAt: a1.submissionTime },
      { k: k2, code: 'second', submittedAt: a3.submissionTime },
    ]);

    // Violations: the resends are neither counted nor shown. The last,
    // fresh one is the barrier: it must be number 3.
    const v1 = uid('v');
    const v2 = uid('v');
    p.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: v1 });
    p.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: v1 });
    p.send({ type: 'TAB_BLUR', roomId, idempotencyKey: v2 });
    p.send({ type: 'TAB_BLUR', roomId, idempotencyKey: v2 });
    p.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: v1 });
    p.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: uid('v') });
    const seen = [];
    for (let i = 0; i < 3; i += 1) seen.push((await host.next('VIOLATION_DETECTED')).data);
    assert.deepEqual(seen.map((d) => [d.violationType, d.violationCount]),
      [['FULLSCREEN_EXIT', 1], ['TAB_SWITCH', 2], ['FULLSCREEN_EXIT', 3]]);
    await host.expectNone('VIOLATION_DETECTED');
    assert.equal((await p.status()).participants[0].violationCount, 3);
    const [{ n }] = await server.sql(`select count(*) n from violations where roomId = ${q(roomId)}
      and userId = ${q(pid)}`);
    assert.equal(n, 3);

    // Keys outlive the connection: after a drop and RESUME the same keys
    // are still recognised.
    const token = resumeTokenOf(p);
    const last = lastSeqOf(p);
    await p.terminate();
    await host.next('VIOLATION_DETECTED', { where: (m) => m.data.violationType === 'DISCONNECT' && m.data.violationCount === 4 });
    const r = await resume(server, token, last, { label: 'p resumed' });
    assert.equal(r.reply.type, 'RESUMED', brief(r.reply));
    submit(r.client, roomId, k1, 'resend after resume');
    const a5 = await r.client.next('SUBMISSION_RECEIVED', { where: (m) => m.seq === undefined || m.submissionTime === a1.submissionTime });
    assert.equal(a5.submissionTime, a1.submissionTime);
    assert.equal(a5.seq, undefined);
    r.client.send({ type: 'TAB_BLUR', roomId, idempotencyKey: v2 });
    r.client.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: uid('v') });
    const next = await host.next('VIOLATION_DETECTED');
    expectShape(next.data, { violationType: 'FULLSCREEN_EXIT', violationCount: 5 }, 'the fresh violation after the resent one');
    const [{ subs }] = await server.sql(`select count(*) subs from submissions where roomId = ${q(roomId)}`);
    assert.equal(subs, 2);
    host.close(); r.client.close();
  });
});

describe('grace period', () => {
  test('RESUME after --resume-grace: RESYNC_REQUIRED GRACE_EXPIRED with a snapshot, and the seat is back', async () => {
    await withServer({ args: ['--resume-grace', '1', ...SHORT_GRACE] }, async (h) => {
      const srv = h.server;
      const { host, roomId } = await createRoom(srv);
      const pid = uid('p');
      const p = await admit(srv, host, roomId, pid, 'Gus Grace');
      await startRoom(host, roomId);
      await p.request({ type: 'SUBMIT_CODE', roomId, code: 'x', language: 'js' }, 'SUBMISSION_RECEIVED');
      const token = resumeTokenOf(p);
      const seen = lastSeqOf(p);
      await p.terminate();
      await host.next('USER_LEFT', { where: (m) => m.data.userId === pid });
      await host.next('VIOLATION_DETECTED', { where: (m) => m.data.violationType === 'DISCONNECT' });
      await settle(1500); // the one real wait: past the 1 s grace
      const r = await resume(srv, token, seen, { label: 'p late' });
      expectShape(r.reply, { type: 'RESYNC_REQUIRED', reason: 'GRACE_EXPIRED' }, 'RESUME after the grace');
      expectShape(r.reply.data, {
        roomId, status: 'LIVE', yourRole: 'participant', yourStatus: 'APPROVED', participants: is.array,
        endsAt: is.number, serverTime: is.recentMillis,
      }, 'RESYNC_REQUIRED.data (a ROOM_STATUS snapshot)');
      expectShape(r.reply.data.participants[0], { userId: pid, violationCount: 1, hasSubmitted: true },
        'own entry in the snapshot');
      const back = await host.next('USER_JOINED', { where: (m) => m.data.userId === pid });
      assert.equal(back.data.resumed, true, brief(back));
      const ack = await r.client.request({ type: 'SUBMIT_CODE', roomId, code: 'y', language: 'js' }, 'SUBMISSION_RECEIVED');
      assert.ok(ack.seq > seen);
      await host.next('USER_SUBMITTED', { where: (m) => m.data.code === 'y' });
      assert.ok(!r.client.received.some((e) => e.msg.seq !== undefined && e.msg.seq <= seen),
        'no old events after RESYNC_REQUIRED');
      await host.expectNone('VIOLATION_DETECTED', 0);
      assert.equal(await disconnectCount(srv, roomId, pid), 1);
      await srv.stopAndCheck();
    });
  });
});

describe('presence grace', () => {
  /// Resolves once the server's count of open WebSocket sessions is `n`:
  /// it has seen a drop (its room hears of it right after).
  async function sessionsOpen(srv, n) {
    for (let i = 0; i < 200; i += 1) {
      const stats = await (await fetch(`${srv.httpUrl}/api/stats`)).json();
      if (stats.connections === n) return;
      await settle(25);
    }
    assert.fail(`the server never had ${n} sessions open`);
  }

  test('a participant that drops and RESUMEs within the grace: no USER_LEFT or USER_JOINED to the room, no DISCONNECT, the host gets RECONNECTED', async () => {
    // A grace no test machine outlasts: the RESUME is inside it.
    await withServer({ args: ['--presence-grace', '120'] }, async (h) => {
      const srv = h.server;
      const { host, hostId, roomId } = await createRoom(srv, { maxGuests: 5 });
      const p1Id = uid('p1');
      const p2Id = uid('p2');
      const p1 = await admit(srv, host, roomId, p1Id, 'Sid Short');
      const p2 = await admit(srv, host, roomId, p2Id, 'Val Watcher');
      await startRoom(host, roomId);
      await p1.next('ROOM_STARTED');
      await p2.next('ROOM_STARTED');
      const token = resumeTokenOf(p1);
      const seen = lastSeqOf(p1);
      const hostSeen = lastSeqOf(host);
      for (const c of [host, p1, p2]) c.drain(); // what came before the drop

      const dropAt = Date.now();
      await p1.terminate(); // the network drops: no close frame
      await sessionsOpen(srv, 2);
      // Within the grace p1 still counts as connected, for everyone.
      const during = await host.status(roomId);
      expectShape(during, { connectedCount: 3 }, 'ROOM_STATUS within the grace');
      expectShape(during.participants.find((x) => x.userId === p1Id), { connected: true },
        'p1 within the grace');

      const r = await resume(srv, token, seen, { label: 'p1 back' });
      const resumedAt = Date.now();
      assert.equal(r.reply.type, 'RESUMED', brief(r.reply));
      assert.equal(r.reply.replayed, 0, 'nothing happened in the room meanwhile');
      const u = await host.next('PROCTORING_UPDATE', { where: (m) => m.data.eventType === 'RECONNECTED' });
      expectShape(u, { seq: is.number }, 'RECONNECTED is durable');
      expectShape(u.data, {
        userId: p1Id, username: 'Sid Short', eventType: 'RECONNECTED', timestamp: is.recentMillis,
        awayMs: is.number, message: 'Sid Short reconnected',
      }, 'PROCTORING_UPDATE.data');
      assert.ok(u.data.timestamp - u.data.awayMs >= dropAt && u.data.timestamp <= resumedAt + 1000
        && u.data.awayMs >= 0,
        `awayMs ${u.data.awayMs} at ${u.data.timestamp}: dropped at ${dropAt}, resumed by ${resumedAt}`);

      // The room saw nothing, and the count never moved.
      const after = await host.status(roomId);
      expectShape(after, { connectedCount: 3 }, 'ROOM_STATUS after the RESUME');
      await p2.expectNone(['USER_LEFT', 'USER_JOINED']);
      await host.expectNone(['USER_LEFT', 'USER_JOINED', 'VIOLATION_DETECTED'], 0);
      await r.client.expectNone(['USER_LEFT', 'USER_JOINED'], 0);
      assert.equal(await disconnectCount(srv, roomId, p1Id), 0, 'no DISCONNECT for a short drop');

      // Stored like the other PROCTORING_UPDATEs: the log has it, and a host
      // that resumes from before gets it replayed.
      const logged = (await eventLog(srv.db, roomId)).find((e) => e.seq === u.seq);
      assert.equal(logged?.audience, 'HOST', brief(logged));
      assert.deepEqual(frameVsStored(u, logged.msg), [], 'the frame is the stored event');
      await host.terminate();
      await sessionsOpen(srv, 2);
      const rh = await resume(srv, resumeTokenOf(host), hostSeen, { label: 'host back' });
      await assertReplayIsLog(srv, roomId, { userId: hostId, host: true }, rh, hostSeen, 'host replay');
      assert.ok(rh.replay.some((m) => m.seq === u.seq && m.data.eventType === 'RECONNECTED'),
        `RECONNECTED in the host's replay: ${brief(rh.replay)}`);
      // The host's own short drop is shown to nobody.
      await p2.expectNone(['USER_LEFT', 'USER_JOINED']);
      await r.client.expectNone(['USER_LEFT', 'USER_JOINED', 'PROCTORING_UPDATE'], 0);
      await rh.client.expectNone('PROCTORING_UPDATE', 0, { where: (m) => m.seq > u.seq });
      for (const c of [rh.client, r.client, p2]) c.close();
      await srv.stopAndCheck();
    });
  });
});

describe('restarts', () => {
  test('a LIVE room survives SIGTERM and a restart: members, a pending request, a violation and a submission; everyone RESUMEs on the new port', async () => {
    await withServer({ args: SHORT_GRACE }, async (h) => {
      const srv = h.server;
      const { host, hostId, roomId } = await createRoom(srv, { maxGuests: 5 });
      const p1Id = uid('p1');
      const p2Id = uid('p2');
      const p3Id = uid('p3');
      const p1 = await admit(srv, host, roomId, p1Id, 'Ada One');
      const p2 = await admit(srv, host, roomId, p2Id, 'Bo Two');
      await startRoom(host, roomId);
      await p1.next('ROOM_STARTED');
      await p2.next('ROOM_STARTED');
      const hostToken = resumeTokenOf(host);
      const hostSeen = lastSeqOf(host);
      // The host misses what follows: it is on record only.
      await host.terminate();
      await p1.next('USER_LEFT', { where: (m) => m.data.userId === hostId });
      const vKey = uid('v');
      const sKey = uid('s');
      p1.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: vKey });
      submit(p1, roomId, sKey, 'before the restart');
      const ack = await p1.next('SUBMISSION_RECEIVED');
      const p3 = await srv.connect({ label: 'p3' });
      p3.send({ type: 'JOIN_ROOM', token: srv.token(p3Id, 'Cy Pending'), roomId });
      await p3.next('WAITING_APPROVAL');
      const seen = { p1: lastSeqOf(p1), p2: lastSeqOf(p2), p3: lastSeqOf(p3) };
      const tokens = { p1: resumeTokenOf(p1), p2: resumeTokenOf(p2), p3: resumeTokenOf(p3) };

      const stopped = await srv.stop({ keepFiles: true });
      assert.equal(stopped.code, 0, `exit status after SIGTERM: ${JSON.stringify(stopped)}\n${srv.logTail(30)}`);
      for (const c of [p1, p2, p3]) assert.equal(c.closeInfo?.code, 1001, `${c.label} closed with 1001`);
      const srv2 = await srv.restart();
      h.server = srv2;
      assert.notEqual(srv2.url, '', 'the new server listens');

      const rh = await resume(srv2, hostToken, hostSeen, { label: 'host after restart' });
      await assertReplayIsLog(srv2, roomId, { userId: hostId, host: true }, rh, hostSeen, 'host replay after restart');
      const types = rh.replay.map((m) => m.type);
      for (const t of ['USER_LEFT', 'VIOLATION_DETECTED', 'USER_SUBMITTED', 'JOIN_REQUEST']) {
        assert.ok(types.includes(t), `the host's replay has ${t}: ${brief(types)}`);
      }
      expectShape(rh.replay.find((m) => m.type === 'VIOLATION_DETECTED').data,
        { userId: p1Id, violationType: 'FULLSCREEN_EXIT', violationCount: 1 }, 'replayed violation');
      expectShape(rh.replay.find((m) => m.type === 'JOIN_REQUEST').data, { userId: p3Id }, 'replayed JOIN_REQUEST');
      expectShape(rh.replay.find((m) => m.type === 'USER_SUBMITTED').data,
        { userId: p1Id, submissionTime: ack.submissionTime, code: 'before the restart' }, 'replayed USER_SUBMITTED');

      const r1 = await resume(srv2, tokens.p1, seen.p1, { label: 'p1 after restart' });
      await assertReplayIsLog(srv2, roomId, { userId: p1Id, host: false, memberFrom: approvedSeqOf(p1) }, r1, seen.p1, 'p1 replay');
      const r2 = await resume(srv2, tokens.p2, seen.p2, { label: 'p2 after restart' });
      await assertReplayIsLog(srv2, roomId, { userId: p2Id, host: false, memberFrom: approvedSeqOf(p2) }, r2, seen.p2, 'p2 replay');
      const r3 = await resume(srv2, tokens.p3, seen.p3, { label: 'p3 after restart' });
      await assertReplayIsLog(srv2, roomId, { userId: p3Id, host: false }, r3, seen.p3, 'p3 (pending) replay');
      for (const [id, label] of [[p1Id, 'p1'], [p2Id, 'p2']]) {
        const j = await rh.client.next('USER_JOINED', { where: (m) => m.data.userId === id });
        assert.equal(j.data.resumed, true, `${label} USER_JOINED after restart: ${brief(j)}`);
      }
      await rh.client.expectNone('VIOLATION_DETECTED', 0);

      const s = await rh.client.status(roomId);
      expectShape(s, { status: 'LIVE', hostConnected: true, connectedCount: 3 }, 'ROOM_STATUS after restart');
      const byId = Object.fromEntries(s.participants.map((x) => [x.userId, x]));
      expectShape(byId[p1Id], { status: 'APPROVED', violationCount: 1, hasSubmitted: true, connected: true }, 'p1');
      expectShape(byId[p2Id], { status: 'APPROVED', violationCount: 0, hasSubmitted: false, connected: true }, 'p2');
      expectShape(byId[p3Id] ?? {}, { status: 'PENDING' }, 'p3');

      rh.client.send({ type: 'APPROVE_JOIN', roomId, userId: p3Id, approve: true });
      const ok = await r3.client.next('JOIN_APPROVED');
      expectShape(ok.data, { status: 'LIVE', role: 'participant' }, 'p3 approved after the restart');

      // The keys survived: resends change nothing; a fresh violation is no. 2.
      submit(r1.client, roomId, sKey, 'resent after restart');
      const again = await r1.client.next('SUBMISSION_RECEIVED');
      expectShape(again, { submissionTime: ack.submissionTime }, 'the resend after restart');
      assert.equal(again.seq, undefined);
      r1.client.send({ type: 'FULLSCREEN_EXIT', roomId, idempotencyKey: vKey });
      r1.client.send({ type: 'TAB_BLUR', roomId, idempotencyKey: uid('v') });
      const v = await rh.client.next('VIOLATION_DETECTED');
      expectShape(v.data, { userId: p1Id, violationType: 'TAB_SWITCH', violationCount: 2 }, 'first violation after the restart');
      const [{ d }] = await srv2.sql(`select count(*) d from violations where roomId = ${q(roomId)} and type = 'DISCONNECT'`);
      assert.equal(d, 0, 'no DISCONNECT violation for the server\'s own shutdown');
      const [{ n }] = await srv2.sql(`select count(*) n from submissions where roomId = ${q(roomId)}`);
      assert.equal(n, 1);
      assertStrictlyIncreasing(seqsOf(p1, r1.client), 'p1 across the restart');
      assertStrictlyIncreasing(seqsOf(host, rh.client), 'host across the restart');
      await srv2.stopAndCheck();
    });
  });

  test('a LIVE room whose deadline passed while the server was down ends with TIME_UP at start', async () => {
    await withServer({}, async (h) => {
      const srv = h.server;
      const { host, roomId } = await createRoom(srv, { duration: 1 });
      const pid = uid('p');
      const p = await admit(srv, host, roomId, pid, 'Tim Late');
      await startRoom(host, roomId);
      await p.next('ROOM_STARTED');
      const tokens = { host: resumeTokenOf(host), p: resumeTokenOf(p) };
      const seen = { host: lastSeqOf(host), p: lastSeqOf(p) };
      await srv.kill({ keepFiles: true });
      const past = Date.now() - 1000;
      await sql(srv.db, `update rooms set endsAt = ${past} where roomId = ${q(roomId)}`);
      const srv2 = await srv.restart();
      h.server = srv2;

      // Clients come back at once: the room must already be over.
      for (const [who, label] of [['host', 'host'], ['p', 'participant']]) {
        const r = await resume(srv2, tokens[who], seen[who], { label: `${label} after the deadline` });
        if (r.reply.type === 'ERROR') {
          assert.equal(r.reply.code, 'ROOM_ENDED', `${label}: RESUME into a room past its deadline: ${brief(r.reply)}`);
        } else {
          expectShape(r.reply, { type: 'ROOM_ENDED', roomId, reason: 'TIME_UP' }, `${label}: RESUME into a room past its deadline`);
        }
        await r.client.expectNone(['RESUMED', 'RESYNC_REQUIRED'], 0);
        console.log(`# deadline passed while down: the ${label}'s RESUME was answered ${brief(r.reply, 160)}`);
        r.client.close();
      }
      const [row] = await srv2.sql(`select status, endedAt from rooms where roomId = ${q(roomId)}`);
      expectShape(row, { status: 'ENDED', endedAt: is.number }, 'the rooms row');
      assert.ok(row.endedAt >= past, `endedAt ${row.endedAt} after the deadline ${past}`);
      const log = await eventLog(srv2.db, roomId);
      const ended = log.at(-1);
      assert.equal(ended?.type, 'ROOM_ENDED', `the last logged event: ${brief(ended)}`);
      expectShape(ended.msg.d, { reason: 'time_up', room_id: roomId }, 'logged ROOM_ENDED');
      assert.equal(ended.audience, 'EVERYONE');
      await srv2.stopAndCheck();
    });
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM under a stream of submissions: each one acked and stored, or STORE_UNAVAILABLE; close 1001; exit 0 within 10 s', async () => {
    await withServer({ args: ['--rate-limit', '100000', '--rate-burst', '100000'] }, async (h) => {
      const srv = h.server;
      const { host, roomId } = await createRoom(srv, { maxGuests: 10 });
      const ps = [];
      for (let i = 0; i < 6; i += 1) ps.push(await admit(srv, host, roomId, uid(`p${i}`), `Streamer ${i}`));
      await startRoom(host, roomId);

      // Each participant submits one at a time and waits for the answer
      // (or the connection's end): answers are then unambiguous.
      let acked = 0;
      let reachedLoad;
      const loaded = new Promise((resolve) => { reachedLoad = resolve; });
      const loops = ps.map(async (p, i) => {
        const log = [];
        for (let n = 0; p.isOpen; n += 1) {
          const key = `shutdown-${i}-${n}`;
          const entry = { key, answer: null };
          log.push(entry);
          submit(p, roomId, key, `code ${key}`);
          try {
            entry.answer = await p.next(['SUBMISSION_RECEIVED', 'ERROR'], { timeout: 10000 });
          } catch (err) {
            if (p.closeInfo) break; // closed before an answer
            throw err;
          }
          if (entry.answer.type === 'SUBMISSION_RECEIVED') acked += 1;
          if (acked >= 300) reachedLoad();
        }
        return log;
      });
      let timer;
      await Promise.race([loaded, new Promise((resolve) => { timer = setTimeout(resolve, 15000); })]);
      clearTimeout(timer);
      assert.ok(acked >= 300, `only ${acked} submissions acked before SIGTERM`);
      const outcome = await srv.stop({ keepFiles: true });
      const logs = await Promise.all(loops);
      assert.equal(outcome.code, 0, `exit status: ${JSON.stringify(outcome)}\n${srv.logTail(30)}`);
      assert.ok(outcome.ms < 10000, `exited ${outcome.ms} ms after SIGTERM`);
      for (const c of [host, ...ps]) assert.equal(c.closeInfo?.code, 1001, `${c.label} closed with ${c.closeInfo?.code}`);

      const rows = await sql(srv.db, `select idempotencyKey k, submittedAt t, count(*) n
        from submissions where roomId = ${q(roomId)} group by 1`);
      const stored = new Map(rows.map((r) => [r.k, r]));
      let errors = 0;
      let unanswered = 0;
      logs.forEach((log, i) => {
        log.forEach((e, n) => {
          const row = stored.get(e.key);
          if (e.answer?.type === 'SUBMISSION_RECEIVED') {
            assert.ok(row, `${e.key} was acked but is not in the database`);
            assert.equal(row.n, 1, `${e.key} stored ${row.n} times`);
            assert.equal(row.t, e.answer.submissionTime, `${e.key}: submittedAt vs the ack`);
          } else if (e.answer?.type === 'ERROR') {
            errors += 1;
            assert.equal(e.answer.code, 'STORE_UNAVAILABLE', `${e.key}: ${brief(e.answer)}`);
            assert.equal(row, undefined, `${e.key} was answered STORE_UNAVAILABLE but is stored`);
          } else {
            // Sent after the server had closed (its close frame crossed the
            // message): it cannot be answered; it must not be stored either.
            unanswered += 1;
            assert.equal(n, log.length - 1, `participant ${i}: unanswered ${e.key} is not its last message`);
            assert.equal(row, undefined, `${e.key} is stored but was never acked (committed, then the ack was lost)`);
          }
        });
      });
      const total = logs.reduce((a, l) => a + l.length, 0);
      assert.equal(rows.length, total - errors - unanswered, 'the database holds exactly the acked submissions');
      const [{ integrity_check: ic }] = await sql(srv.db, 'pragma integrity_check');
      assert.equal(ic, 'ok');
      console.log(`# shutdown: ${total} sent, ${total - errors - unanswered} acked and stored, ` +
        `${errors} STORE_UNAVAILABLE, ${unanswered} unanswered (sent after the close), exit in ${outcome.ms} ms`);
      await srv.kill(); // already exited: removes the files
    });
  });
});
