// Collaborative coding sessions (seed 003) with the stock socket.io-client on
// "/" of /api/socket, with its default transports (polling, then the upgrade)
// and with `transports: ['websocket']`: an instructor and three learners
// through joins, cursors (coalesced: many quick updates give fewer
// cursor-moved, the last one the last sent), activity, leave and disconnect,
// and the rows stored; a learner whose userInfo says instructor; UNAUTHORIZED
// at CONNECT; connection state recovery after a dropped transport
// (`socket.recovered === true`, the same id, the missed events once and in
// order) and after a `kill -9` of the server and a restart on the same
// database and port.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brief, q, settle, token, uid } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';
import {
  SessionSocket, checkParticipant, connectAs, idsOf,
} from './lib/session_client.mjs';

// Cursor windows of 200 ms: wide enough that a burst always falls into one.
const ARGS = ['--session-cursor-interval', '200'];

let server;
const sockets = [];

before(async () => {
  server = await startServer({ args: ARGS });
});

after(async () => {
  for (const s of sockets) s.terminate();
  await server?.stopAndCheck();
});

async function as(sub, role, opts = {}) {
  const s = await connectAs(server, sub, role, opts);
  sockets.push(s);
  return s;
}

/// A logged event carries its offset, a decimal string, as its last argument.
function assertLogged(entry) {
  assert.equal(entry.args.length, 2, `${entry.name} ${brief(entry.args)}`);
  assert.match(entry.offset, /^[0-9]+$/, `${entry.name} ${brief(entry.args)}`);
}

for (const transports of [null, ['websocket']]) {
  const how = transports ? 'websocket only' : 'default transports';

  test(`an instructor and three learners: joins, cursors, activity, leave, disconnect (${how})`, async () => {
    const sessionId = uid('algo');
    const ins = await as(uid('ins'), 'instructor', { transports, label: 'instructor' });
    const l = [];
    for (let i = 1; i <= 3; i += 1) l.push(await as(uid(`l${i}`), 'learner', { transports, label: `learner ${i}` }));
    const everyone = [ins, ...l];
    const users = everyone.map((s) => s.user);

    // -- joins --
    const first = await ins.join(sessionId, { userId: users[0], name: 'Ignored', role: 'learner' });
    assert.deepEqual(Object.keys(first).sort(), ['participants', 'sessionId']);
    assert.equal(first.participants.length, 1);
    checkParticipant(first.participants[0], { userId: users[0], name: `Name ${users[0]}`, role: 'instructor' });
    assertLogged(ins.entries('session-joined')[0]);
    for (let i = 0; i < 3; i += 1) {
      const joined = await l[i].join(sessionId, { userId: users[i + 1], role: 'learner' });
      assert.deepEqual(idsOf(joined.participants), users.slice(0, i + 2));
      checkParticipant(joined.participants[i + 1], { userId: users[i + 1], role: 'learner' });
      for (const other of everyone.slice(0, i + 1)) {
        const told = await other.waitFor('user-joined', (d) => d?.user?.userId === users[i + 1]);
        assert.deepEqual(Object.keys(told).sort(), ['participants', 'user']);
        checkParticipant(told.user, { userId: users[i + 1], name: `Name ${users[i + 1]}`, role: 'learner' });
        assert.deepEqual(idsOf(told.participants), users.slice(0, i + 2));
      }
    }
    for (const s of everyone) {
      assert.equal(s.entries('user-joined').filter((e) => e.data.user.userId === s.user).length, 0);
      for (const e of [...s.entries('session-joined'), ...s.entries('user-joined')]) assertLogged(e);
    }
    const rows = await server.sql(`SELECT userId, role FROM collab_participants WHERE sessionId = ${q(sessionId)} ORDER BY role`);
    assert.equal(rows.length, 4, brief(rows));

    // -- cursors: a burst of 30 from learner 1, coalesced --
    for (let line = 1; line <= 30; line += 1) l[0].emit('cursor-update', { line, column: line * 2 });
    for (const s of [ins, l[1], l[2]]) {
      const last = await s.waitFor('cursor-moved', (d) => d?.userId === users[1] && d.cursor.line === 30);
      assert.deepEqual(last, { userId: users[1], cursor: { line: 30, column: 60 } });
      const moved = s.entries('cursor-moved');
      assert.ok(moved.length >= 1 && moved.length < 30, `${moved.length} cursor-moved for 30 updates`);
      for (const e of moved) assert.equal(e.args.length, 1, `cursor-moved is live only: ${brief(e.args)}`);
      // In the order sent: lines only grow.
      const lines = moved.map((e) => e.data.cursor.line);
      assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
    }
    await l[0].expectNone('cursor-moved');
    assert.equal(l[0].entries('cursor-moved').length, 0, 'its own cursor is not sent back');

    // -- activity --
    l[1].emit('activity-status', { isActive: false });
    for (const s of [ins, l[0], l[2]]) {
      const changed = await s.waitFor('user-activity-changed', (d) => d?.userId === users[2]);
      assert.deepEqual(changed, { userId: users[2], isActive: false });
      assertLogged(s.entries('user-activity-changed').at(-1));
    }
    await l[1].expectNone('user-activity-changed');

    // -- leave --
    l[2].emit('leave-session');
    for (const s of [ins, l[0], l[1]]) {
      const left = await s.waitFor('user-left', (d) => d?.userId === users[3]);
      assert.deepEqual(Object.keys(left).sort(), ['participants', 'user', 'userId']);
      checkParticipant(left.user, { userId: users[3], role: 'learner' });
      assert.deepEqual(idsOf(left.participants), users.slice(0, 3));
    }
    l[2].emit('cursor-update', { line: 1, column: 1 });
    await l[2].expectError('NOT_IN_SESSION');

    // -- disconnect --
    l[1].disconnect();
    for (const s of [ins, l[0]]) {
      const left = await s.waitFor('user-left', (d) => d?.userId === users[2]);
      checkParticipant(left.user, { userId: users[2], role: 'learner', isActive: false });
      assert.deepEqual(idsOf(left.participants), users.slice(0, 2));
    }
    const after = await server.sql(`SELECT userId FROM collab_participants WHERE sessionId = ${q(sessionId)} ORDER BY userId`);
    assert.deepEqual(after.map((r) => r.userId).sort(), users.slice(0, 2).sort());
  });
}

test('a learner whose userInfo says instructor stays a learner', async () => {
  const sessionId = uid('spoof');
  const lea = await as(uid('lea'), 'learner', { label: 'learner' });
  // It cannot open a session by saying it is an instructor.
  lea.emit('join-session', { sessionId, userInfo: { userId: 'someone-else', name: 'Boss', role: 'instructor' } });
  await lea.expectError('SESSION_NOT_FOUND');
  const ins = await as(uid('ins'), 'instructor', { label: 'instructor' });
  await ins.join(sessionId);
  const joined = await lea.join(sessionId, { userId: 'someone-else', name: 'Boss', role: 'instructor' });
  const me = joined.participants[1];
  checkParticipant(me, { role: 'learner' });
  assert.notEqual(me.userId, 'someone-else');
  assert.notEqual(me.name, 'Boss');
  const told = await ins.waitFor('user-joined');
  assert.equal(told.user.role, 'learner');
  const rows = await server.sql(`SELECT role FROM collab_participants WHERE sessionId = ${q(sessionId)} AND userId = ${q(me.userId)}`);
  assert.deepEqual(rows, [{ role: 'learner' }]);
});

test('a missing, bad or foreign-role token is refused UNAUTHORIZED', async () => {
  for (const [label, jwt] of [
    ['no token', undefined],
    ['not a JWT', 'not-a-jwt'],
    ['another secret', token(uid('x'), 'X', { secret: 'not-the-server-secret', role: 'instructor' })],
    ['a student', server.token(uid('stu'), 'Stu', { role: 'student' })],
  ]) {
    const s = new SessionSocket(server, { token: jwt, label });
    sockets.push(s);
    const e = await s.waitFor(['connect', 'connect_error'], undefined, undefined, { entry: true });
    assert.equal(e.name, 'connect_error', label);
    assert.equal(e.args[0].message, 'UNAUTHORIZED', label);
  }
});

for (const transports of [null, ['websocket']]) {
  const how = transports ? 'websocket only' : 'default transports';

  test(`a dropped transport recovers with the missed events once and in order (${how})`, async () => {
    const sessionId = uid('rec');
    const insId = uid('ins');
    const ins = await as(insId, 'instructor', { transports, label: 'instructor' });
    const bobId = uid('bob');
    const bob = await as(bobId, 'learner', { transports, label: 'bob' });
    const cid = await as(uid('cid'), 'learner', { transports, label: 'cid' });
    await ins.join(sessionId);
    await bob.join(sessionId);
    await cid.join(sessionId);
    // Everything so far has reached everyone: what bob misses comes after.
    await bob.waitFor('user-joined', (d) => d?.user?.userId === cid.user);
    await ins.waitFor('user-joined', (d) => d?.user?.userId === bobId);
    await ins.waitFor('user-joined', (d) => d?.user?.userId === cid.user);
    const oldId = bob.id;
    const oldPid = bob.socket._pid;
    assert.ok(oldPid, 'CONNECT carried a pid');

    await bob.dropTransport();
    for (const s of [ins, cid]) await s.waitFor('user-left', (d) => d?.userId === bobId);
    // Committed while bob is away, one after the other (each seen by the
    // other one once it is stored).
    ins.emit('activity-status', { isActive: false });
    await cid.waitFor('user-activity-changed', (d) => d?.userId === insId && d.isActive === false);
    cid.emit('activity-status', { isActive: false });
    await ins.waitFor('user-activity-changed', (d) => d?.userId === cid.user);
    cid.emit('cursor-update', { line: 5, column: 5 }); // live only: not replayed
    await ins.waitFor('cursor-moved', (d) => d?.userId === cid.user);
    ins.emit('activity-status', { isActive: true });
    await cid.waitFor('user-activity-changed', (d) => d?.userId === insId && d.isActive === true);
    const seen = bob.events.length;

    await bob.reconnect();
    assert.equal(bob.recovered, true);
    assert.equal(bob.id, oldId);
    assert.equal(bob.socket._pid, oldPid);
    // The missed events follow the CONNECT answer; then nothing else.
    await bob.waitFor('user-activity-changed', (d) => d?.userId === insId && !d.isActive);
    await bob.waitFor('user-activity-changed', (d) => d?.userId === cid.user);
    await bob.waitFor('user-activity-changed', (d) => d?.userId === insId && d.isActive);
    await settle();
    const missed = bob.after(seen).filter((e) => e.name !== 'connect');
    assert.deepEqual(missed.map((e) => [e.name, e.data]), [
      ['user-activity-changed', { userId: insId, isActive: false }],
      ['user-activity-changed', { userId: cid.user, isActive: false }],
      ['user-activity-changed', { userId: insId, isActive: true }],
    ]);
    for (const e of missed) assertLogged(e);
    const offsets = missed.map((e) => Number(e.offset));
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.equal(new Set(offsets).size, offsets.length);

    for (const s of [ins, cid]) {
      const back = await s.waitFor('user-joined', (d) => d?.user?.userId === bobId);
      assert.equal(back.participants.length, 3);
    }
    // Live again, each event once.
    ins.emit('activity-status', { isActive: false });
    await bob.waitFor('user-activity-changed', (d) => d?.userId === insId && d.isActive === false);
    await bob.expectNone('user-activity-changed');
    bob.emit('cursor-update', { line: 9, column: 1 });
    await ins.waitFor('cursor-moved', (d) => d?.userId === bobId && d.cursor.line === 9);
  });
}

test('recovery after kill -9 and a restart on the same database and port', async () => {
  const srv = await startServer({ args: ARGS });
  const local = [];
  try {
    const connect = async (sub, role) => {
      const s = await connectAs(srv, sub, role, { transports: ['websocket'] });
      local.push(s);
      return s;
    };
    const sessionId = uid('crash');
    const insId = uid('ins');
    const bobId = uid('bob');
    const cidId = uid('cid');
    const ins = await connect(insId, 'instructor');
    const bob = await connect(bobId, 'learner');
    const cid = await connect(cidId, 'learner');
    await ins.join(sessionId);
    await bob.join(sessionId);
    await cid.join(sessionId);
    await bob.waitFor('user-joined', (d) => d?.user?.userId === cidId);
    await ins.waitFor('user-joined', (d) => d?.user?.userId === bobId);
    await ins.waitFor('user-joined', (d) => d?.user?.userId === cidId);
    const bobSid = bob.id;
    await bob.dropTransport();
    await ins.waitFor('user-left', (d) => d?.userId === bobId);
    // Both committed before the kill: cid and ins have seen them.
    ins.emit('activity-status', { isActive: false });
    await cid.waitFor('user-activity-changed', (d) => d?.userId === insId);
    cid.emit('activity-status', { isActive: false });
    await ins.waitFor('user-activity-changed', (d) => d?.userId === cidId);
    const port = srv.port;
    const ids = { ins: ins.id, bob: bobSid, cid: cid.id };
    const seen = { ins: ins.events.length, bob: bob.events.length, cid: cid.events.length };

    await srv.kill({ keepFiles: true });
    await Promise.all([ins.waitFor('disconnect'), cid.waitFor('disconnect')]);
    const again = await srv.restart({ args: [...ARGS, '--port', String(port)] });
    assert.equal(again.port, port);
    try {
      for (const s of [ins, cid, bob]) s.server = again;
      await bob.reconnect();
      await cid.reconnect();
      await ins.reconnect();
      for (const [name, s] of Object.entries({ ins, bob, cid })) {
        assert.equal(s.recovered, true, `${name} recovered`);
        assert.equal(s.id, ids[name], `${name} keeps its id`);
      }
      await bob.waitFor('user-activity-changed', (d) => d?.userId === insId);
      await bob.waitFor('user-activity-changed', (d) => d?.userId === cidId);
      await ins.waitFor('user-joined', (d) => d?.user?.userId === bobId);
      await settle();
      const missed = bob.after(seen.bob).filter((e) => !['connect', 'disconnect'].includes(e.name));
      assert.deepEqual(missed.map((e) => [e.name, e.data]), [
        ['user-activity-changed', { userId: insId, isActive: false }],
        ['user-activity-changed', { userId: cidId, isActive: false }],
        ...missed.slice(2).filter((e) => e.name === 'user-joined').map((e) => [e.name, e.data]),
      ], 'the two missed events first, then only who came back after bob');
      // ins and cid missed nothing of each other's: only who came back.
      for (const [name, s] of Object.entries({ ins, cid })) {
        const got = s.after(seen[name]).filter((e) => !['connect', 'disconnect', 'user-joined'].includes(e.name));
        assert.deepEqual(got.map((e) => e.name), [], `${name}: ${brief(got)}`);
      }
      // The session goes on.
      cid.emit('activity-status', { isActive: true });
      await bob.waitFor('user-activity-changed', (d) => d?.userId === cidId && d.isActive === true);
      await bob.expectNone('user-activity-changed');
      for (const s of local) s.terminate();
      await again.stopAndCheck();
    } catch (err) {
      await again.kill();
      throw err;
    }
  } finally {
    for (const s of local) s.terminate();
    if (srv.child.exitCode === null && srv.child.signalCode === null) await srv.kill();
  }
});
