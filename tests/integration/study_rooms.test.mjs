// Public study rooms (seed 002) with the stock socket.io-client and HTTP:
// the seed's usage example as written; the whole REST flow (users, rooms,
// join, the listed occupancy, join-room, user-joined to every socket of the
// room with its exact members, a REST leave telling the others, a broadcast
// reaching every socket, a disconnect telling the others) and the database
// afterwards; capacity (JOIN_ERROR, ROOM_FULL); INVALID_USER from another
// address; ROOM_NOT_FOUND; INVALID_REQUEST; the default polling-then-upgrade
// transport and the /api/socket/ path; a restart keeping rooms and users with
// occupancy 0.
//
// --public-ping-interval 1 so the seed's ping/pong shows up within seconds;
// --public-max-conns-per-ip 100 because these tests hold several sockets
// from 127.0.0.1 at once, and --public-user-rate 1000 because they create
// many users from it (both limits are study_limits.test.mjs's).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { brief, q } from './lib/harness.mjs';
import {
  isRecentIso, startStudyServer, rest, expectHttpError, createUser, createRoom,
  joinRest, leaveRest, broadcast, adminToken, listedRoom, occupancyOf, connectStudy, sqlUntil, until as untilOn, checkJoined, checkLeft,
} from './lib/study_client.mjs';

let server;
const sockets = [];

before(async () => {
  server = await startStudyServer([
    '--public-ping-interval', '1', '--public-max-conns-per-ip', '100', '--public-user-rate', '1000',
  ]);
});

after(async () => {
  for (const s of sockets) s.terminate();
  await server?.stopAndCheck();
});

async function connect(roomId, label, opts = {}) {
  const s = await connectStudy(server, roomId, { label, ...opts });
  sockets.push(s);
  return s;
}

const until = (cond, what, timeout) => untilOn(server, cond, what, timeout);

test('the seed usage example, unchanged: join-room, user-joined, ping/pong, leave', async () => {
  const { roomId } = await createRoom(server, { name: 'Seed example', capacity: 5 });
  const john = await createUser(server, 'John Doe');
  const other = await createUser(server, 'Jane Roe');
  const log = { connected: 0, joined: [], left: [], pings: 0, errors: [], disconnects: [] };

  // -- the seed's client, with the server's URL and real ids --
  const socket = io(`${server.httpUrl}/public-room/${roomId}`, {
    transports: ['websocket', 'polling'],
  });
  try {
    socket.on('connect', () => {
      log.connected += 1;
      socket.emit('join-room', {
        userId: john.userId,
        userName: 'John Doe',
      });
    });
    socket.on('user-joined', (data) => { log.joined.push(data); });
    socket.on('user-left', (data) => { log.left.push(data); });
    socket.on('ping', () => {
      log.pings += 1;
      socket.emit('pong');
    });
    socket.on('error', (error) => { log.errors.push(error); });
    socket.on('disconnect', (reason) => { log.disconnects.push(reason); });
    const leaveRoom = (userId) => socket.emit('leave-room', { userId });
    // -- end of the seed's client --

    await until(() => log.joined.length === 1, 'user-joined for John');
    assert.equal(log.connected, 1);
    assert.equal(socket.io.engine.transport.name, 'websocket');
    checkJoined(log.joined[0], john.userId, 'John Doe', 1);

    // Answering every ping keeps it connected: 4 pings come (a client that
    // does not answer is dropped after the 3rd, --public-max-missed-pings 3).
    await until(() => log.pings >= 4, '4 pings', 20000);
    assert.deepEqual(log.errors, []);
    assert.equal(socket.connected, true);

    // Another participant joins: John's socket hears it.
    const jane = await connect(roomId, 'jane');
    checkJoined(await jane.join(other.userId, 'Jane Roe'), other.userId, 'Jane Roe', 2);
    await until(() => log.joined.length === 2, "user-joined for Jane on John's socket");
    checkJoined(log.joined[1], other.userId, 'Jane Roe', 2);

    leaveRoom(john.userId);
    checkLeft(await jane.waitFor('user-left'), john.userId, 1);
    await until(() => log.disconnects.length === 1, "John's disconnect");
    assert.deepEqual(log.disconnects, ['io server disconnect']);
    assert.deepEqual(log.left, [], 'user-left goes to the others, not to the leaver');
    assert.deepEqual(log.errors, []);
    assert.equal(await occupancyOf(server, roomId), 1);
  } finally {
    socket.disconnect();
  }
});

test('REST and sockets: users, rooms, join, occupancy, user-joined to everyone, leave, broadcast, disconnect; the rows', async () => {
  const room = await createRoom(server, { name: 'Library, 2nd floor', capacity: 5 });
  const { roomId } = room;
  assert.deepEqual(Object.keys(room).sort(), ['capacity', 'name', 'roomId']);
  const listed = await listedRoom(server, roomId);
  assert.deepEqual({ ...listed, createdAt: undefined },
    { roomId, name: 'Library, 2nd floor', capacity: 5, currentOccupancy: 0, createdAt: undefined });
  assert.ok(isRecentIso(listed.createdAt));

  const alice = await createUser(server, 'Alice');
  const bob = await createUser(server, 'Bob');
  const carol = await createUser(server, 'Carol');
  assert.equal(new Set([alice.userId, bob.userId, carol.userId]).size, 3);

  const restJoins = {};
  for (const [i, u] of [alice, bob].entries()) {
    const r = await joinRest(server, roomId, u.userId);
    assert.equal(r.status, 200, `REST join: ${r.status} ${brief(r.body)}`);
    assert.deepEqual(Object.keys(r.body).sort(), ['currentOccupancy', 'joinedAt', 'roomId', 'userId', 'userName']);
    assert.deepEqual({ ...r.body, joinedAt: undefined },
      { roomId, userId: u.userId, userName: u.userName, joinedAt: undefined, currentOccupancy: i + 1 });
    assert.ok(isRecentIso(r.body.joinedAt), brief(r.body));
    restJoins[u.userId] = r.body.joinedAt;
  }
  assert.equal(await occupancyOf(server, roomId), 2);
  // Joining again changes nothing.
  const again = await joinRest(server, roomId, alice.userId);
  assert.equal(again.status, 200);
  assert.equal(again.body.joinedAt, restJoins[alice.userId]);
  assert.equal(again.body.currentOccupancy, 2);

  // A socket that never joins still hears the room's events.
  const watcher = await connect(roomId, 'watcher');
  const sa = await connect(roomId, 'alice');
  const sb = await connect(roomId, 'bob');
  const sc = await connect(roomId, 'carol');
  const all = [watcher, sa, sb, sc];

  // The stored name is told, not the payload's; no new place (joined over REST).
  sa.emit('join-room', { userId: alice.userId, userName: 'Not Alice' });
  const joinedA = await Promise.all(all.map((s) => s.waitFor('user-joined', (d) => d?.userId === alice.userId)));
  for (const d of joinedA) checkJoined(d, alice.userId, 'Alice', 2);
  assert.equal(new Set(joinedA.map((d) => d.joinedAt)).size, 1, 'one joinedAt for everyone');
  assert.equal(joinedA[0].joinedAt, restJoins[alice.userId], 'joined when the REST join was made');
  const [memberA] = await server.sql(`SELECT * FROM public_room_members WHERE roomId = ${q(roomId)} AND userId = ${q(alice.userId)}`);
  assert.equal(memberA?.joinedAt, Date.parse(joinedA[0].joinedAt), `stored joinedAt: ${brief(memberA)}`);

  sb.emit('join-room', { userId: bob.userId, userName: 'Bob' });
  for (const s of all) checkJoined(await s.waitFor('user-joined', (d) => d?.userId === bob.userId), bob.userId, 'Bob', 2);

  // Carol did not join over REST: join-room admits her.
  sc.emit('join-room', { userId: carol.userId, userName: 'Carol' });
  for (const s of all) checkJoined(await s.waitFor('user-joined', (d) => d?.userId === carol.userId), carol.userId, 'Carol', 3);
  assert.equal(await occupancyOf(server, roomId), 3);

  // A REST leave of a connected user tells the others.
  const left = await leaveRest(server, roomId, bob.userId);
  assert.equal(left.status, 200, `REST leave: ${left.status} ${brief(left.body)}`);
  assert.deepEqual(left.body, { roomId, userId: bob.userId, currentOccupancy: 2 });
  for (const s of [watcher, sa, sc]) checkLeft(await s.waitFor('user-left'), bob.userId, 2);
  await sb.expectNone('user-left');
  assert.equal(await occupancyOf(server, roomId), 2);
  expectHttpError(await leaveRest(server, roomId, bob.userId), 400, 'INVALID_REQUEST');

  // A broadcast reaches every socket of the namespace with its event and data.
  const data = { message: 'Room capacity changed', n: [1, 2.5, null], nested: { ok: true, s: 'héllo €' } };
  const b = await broadcast(server, roomId, 'room-update', data);
  assert.equal(b.status, 200, `broadcast: ${b.status} ${brief(b.body)}`);
  assert.deepEqual(b.body, { roomId, event: 'room-update', recipients: 4 });
  for (const s of all) assert.deepEqual(await s.waitFor('room-update'), data);

  // A disconnect leaves the room and tells the others.
  sc.disconnect();
  for (const s of [watcher, sa]) checkLeft(await s.waitFor('user-left', (d) => d?.userId === carol.userId), carol.userId, 1);
  assert.equal(await occupancyOf(server, roomId), 1);

  for (const s of all) {
    const errors = s.all('error');
    assert.deepEqual(errors, [], `${s.label} got errors`);
  }

  // The rows: the room, the three users (no address, only its hash), and
  // Alice alone in the room.
  const [roomRow] = await server.sql(`SELECT * FROM public_rooms WHERE roomId = ${q(roomId)}`);
  assert.equal(roomRow?.name, 'Library, 2nd floor', brief(roomRow));
  assert.equal(roomRow.capacity, 5);
  assert.equal(roomRow.createdAt, Date.parse(listed.createdAt));
  const users = await server.sql(`SELECT * FROM public_users WHERE userId IN (${[alice, bob, carol].map((u) => q(u.userId)).join(',')}) ORDER BY createdAt, userId`);
  assert.equal(users.length, 3, brief(users));
  for (const u of [alice, bob, carol]) {
    const row = users.find((r) => r.userId === u.userId);
    assert.equal(row.userName, u.userName);
    assert.equal(row.createdAt, Date.parse(u.createdAt));
    assert.ok(!JSON.stringify(row).includes('127.0.0.1'), `the address is not stored: ${brief(row)}`);
  }
  const members = await sqlUntil(server, `SELECT userId FROM public_room_members WHERE roomId = ${q(roomId)}`,
    (rows) => rows.length === 1);
  assert.deepEqual(members, [{ userId: alice.userId }]);

  // Alice joined over REST, then over her socket: its disconnect takes her out.
  sa.disconnect();
  checkLeft(await watcher.waitFor('user-left', (d) => d?.userId === alice.userId), alice.userId, 0);
  assert.equal(await occupancyOf(server, roomId), 0);
  await sqlUntil(server, `SELECT userId FROM public_room_members WHERE roomId = ${q(roomId)}`, (rows) => rows.length === 0);
  watcher.disconnect();
  sb.disconnect();
});

test('capacity: ROOM_FULL over REST, JOIN_ERROR over sockets; a place freed is taken', async () => {
  const { roomId } = await createRoom(server, { name: 'Two seats', capacity: 2 });
  const [u1, u2, u3] = await Promise.all(['One', 'Two', 'Three'].map((n) => createUser(server, n)));
  for (const u of [u1, u2]) assert.equal((await joinRest(server, roomId, u.userId)).status, 200);
  expectHttpError(await joinRest(server, roomId, u3.userId), 409, 'ROOM_FULL');
  assert.equal(await occupancyOf(server, roomId), 2);

  const s1 = await connect(roomId, 'one');
  const s3 = await connect(roomId, 'three');
  s3.emit('join-room', { userId: u3.userId, userName: 'Three' });
  await s3.expectError('JOIN_ERROR');
  await s1.expectNone('user-joined');
  assert.equal(await occupancyOf(server, roomId), 2);

  // One leaves over REST (not connected: nobody is told); the place is taken.
  assert.equal((await leaveRest(server, roomId, u1.userId)).status, 200);
  assert.equal(await occupancyOf(server, roomId), 1);
  s3.emit('join-room', { userId: u3.userId, userName: 'Three' });
  for (const s of [s1, s3]) checkJoined(await s.waitFor('user-joined'), u3.userId, 'Three', 2);
  expectHttpError(await joinRest(server, roomId, u1.userId), 409, 'ROOM_FULL');

  // Sockets only: a room of one.
  const solo = await createRoom(server, { name: 'One seat', capacity: 1 });
  const a = await connect(solo.roomId, 'solo a');
  const b = await connect(solo.roomId, 'solo b');
  checkJoined(await a.join(u1.userId), u1.userId, 'One', 1);
  b.emit('join-room', { userId: u2.userId, userName: 'Two' });
  await b.expectError('JOIN_ERROR');
  a.emit('leave-room', { userId: u1.userId });
  checkLeft(await b.waitFor('user-left'), u1.userId, 0);
  assert.equal(await a.waitClosed(), 'io server disconnect');
  checkJoined(await b.join(u2.userId), u2.userId, 'Two', 1);
  for (const s of [s1, s3, b]) s.disconnect();
});

test('INVALID_USER: a user of another address (or none) changes nothing', async () => {
  const { roomId } = await createRoom(server, { name: 'Addresses', capacity: 5 });
  const local = await createUser(server, 'Local Lou');
  const there = await createUser(server, 'Remote Rita', { localAddress: '127.0.0.2' });
  const observer = await connect(roomId, 'observer');
  checkJoined(await observer.join(local.userId), local.userId, 'Local Lou', 1);

  // From 127.0.0.2: its own user joins (the socket does come from there) ...
  const remote = await connect(roomId, 'from 127.0.0.2', { localAddress: '127.0.0.2' });
  checkJoined(await remote.join(there.userId), there.userId, 'Remote Rita', 2);
  await observer.waitFor('user-joined', (d) => d?.userId === there.userId);
  // ... a user of 127.0.0.1 does not, nor does one that does not exist.
  const stranger = await createUser(server, 'Stranger');
  remote.emit('join-room', { userId: stranger.userId, userName: 'Stranger' });
  await remote.expectError('INVALID_USER');
  remote.emit('join-room', { userId: 'no-such-user', userName: 'Nobody' });
  await remote.expectError('INVALID_USER');
  remote.emit('leave-room', { userId: local.userId });
  await remote.expectError('INVALID_USER');
  await observer.expectNone('user-joined');
  await observer.expectNone('user-left');
  assert.equal(await occupancyOf(server, roomId), 2);
  assert.equal(remote.connected, true);

  // REST: the same from 127.0.0.2, and an unknown user.
  expectHttpError(await joinRest(server, roomId, stranger.userId, { localAddress: '127.0.0.2' }), 403, 'INVALID_USER');
  expectHttpError(await leaveRest(server, roomId, local.userId, { localAddress: '127.0.0.2' }), 403, 'INVALID_USER');
  expectHttpError(await joinRest(server, roomId, 'no-such-user'), 403, 'INVALID_USER');
  assert.equal(await occupancyOf(server, roomId), 2);
  const rows = await server.sql(`SELECT userId FROM public_room_members WHERE roomId = ${q(roomId)} ORDER BY userId`);
  assert.deepEqual(rows.map((r) => r.userId).sort(), [local.userId, there.userId].sort());
  observer.disconnect();
  remote.disconnect();
});

test('ROOM_NOT_FOUND: the namespace connects, join-room and leave-room are refused; REST 404', async () => {
  const u = await createUser(server, 'Lost');
  const s = await connect('no-such-room', 'nowhere');
  assert.equal(s.connected, true);
  s.emit('join-room', { userId: u.userId, userName: 'Lost' });
  await s.expectError('ROOM_NOT_FOUND');
  s.emit('leave-room', { userId: u.userId });
  await s.expectError('ROOM_NOT_FOUND');
  assert.equal(s.connected, true);
  expectHttpError(await joinRest(server, 'no-such-room', u.userId), 404, 'ROOM_NOT_FOUND');
  expectHttpError(await leaveRest(server, 'no-such-room', u.userId), 404, 'ROOM_NOT_FOUND');
  expectHttpError(await broadcast(server, 'no-such-room', 'x', {}), 404, 'ROOM_NOT_FOUND');
  s.disconnect();
});

test('INVALID_REQUEST: bad payloads over the socket (which stays usable) and bad REST bodies', async () => {
  const { roomId } = await createRoom(server, { name: 'Bad input', capacity: 5 });
  const u = await createUser(server, 'Valid Val');
  const s = await connect(roomId, 'bad payloads');
  const cases = [
    ['join-room'],
    ['join-room', 'a string'],
    ['join-room', null],
    ['join-room', 42],
    ['join-room', [u.userId]],
    ['join-room', {}],
    ['join-room', { userName: 'No Id' }],
    ['join-room', { userId: 5, userName: 'Number' }],
    ['join-room', { userId: '', userName: 'Empty' }],
    ['join-room', { userId: 'x'.repeat(10_000), userName: 'Long' }],
    ['leave-room'],
    ['leave-room', {}],
    ['leave-room', { userId: null }],
  ];
  for (const [event, ...args] of cases) {
    s.emit(event, ...args);
    const err = await s.expectError('INVALID_REQUEST');
    assert.ok(err.message.length > 0, `${event} ${brief(args)}`);
  }
  assert.equal(s.connected, true);
  assert.deepEqual(s.all('user-joined'), []);
  checkJoined(await s.join(u.userId), u.userId, 'Valid Val', 1);
  // Leaving a room one is not in: LEAVE_ERROR, and the socket stays.
  const outsider = await createUser(server, 'Outsider Oz');
  s.emit('leave-room', { userId: outsider.userId });
  await s.expectError('LEAVE_ERROR');
  assert.equal(s.connected, true);

  const post = (path, body, raw) => rest(server, 'POST', path, raw ? { rawBody: body } : { body });
  expectHttpError(await post('/api/public/users', {}), 400, 'INVALID_REQUEST', 'userName');
  expectHttpError(await post('/api/public/users', { userName: 7 }), 400, 'INVALID_REQUEST', 'userName');
  expectHttpError(await post('/api/public/users', { userName: '' }), 400, 'INVALID_REQUEST', 'userName');
  expectHttpError(await post('/api/public/users', '{"userName":', true), 400, 'INVALID_REQUEST');
  expectHttpError(await post('/api/public/users', '[]', true), 400, 'INVALID_REQUEST');
  const join = `/api/public/rooms/${roomId}/join`;
  expectHttpError(await post(join, {}), 400, 'INVALID_REQUEST', 'userId');
  expectHttpError(await post(join, { userId: 3 }), 400, 'INVALID_REQUEST', 'userId');
  expectHttpError(await post(join, 'nope', true), 400, 'INVALID_REQUEST');
  expectHttpError(await post(`/api/public/rooms/${roomId}/leave`, {}), 400, 'INVALID_REQUEST', 'userId');
  assert.equal(await occupancyOf(server, roomId), 1);
  s.disconnect();
});

test('default transports: polling, then the upgrade; events flow after it; /api/socket/ serves the rooms too', async () => {
  const { roomId } = await createRoom(server, { name: 'Upgrades', capacity: 5 });
  const [p, w, o] = await Promise.all([createUser(server, 'Polly'), createUser(server, 'Webb'), createUser(server, 'Olly')]);
  const polly = await connect(roomId, 'default transports', { transports: null });
  await until(() => polly.socket.io.engine?.transport?.name === 'websocket', 'the upgrade to websocket');
  checkJoined(await polly.join(p.userId), p.userId, 'Polly', 1);

  const webb = await connect(roomId, 'via /api/socket/', { path: '/api/socket/' });
  checkJoined(await webb.join(w.userId), w.userId, 'Webb', 2);
  checkJoined(await polly.waitFor('user-joined', (d) => d?.userId === w.userId), w.userId, 'Webb', 2);

  // Long-polling only.
  const olly = await connect(roomId, 'polling only', { transports: ['polling'] });
  checkJoined(await olly.join(o.userId), o.userId, 'Olly', 3);

  assert.equal((await broadcast(server, roomId, 'notice', { text: 'closing soon' })).status, 200);
  for (const s of [polly, webb, olly]) assert.deepEqual(await s.waitFor('notice'), { text: 'closing soon' });
  // Without data the event carries no argument.
  assert.equal((await rest(server, 'POST', `/api/public/rooms/${roomId}/broadcast`,
    { token: adminToken(server), body: { event: 'bell' } })).status, 200);
  for (const s of [polly, webb, olly]) assert.deepEqual((await s.waitFor('bell', undefined, undefined, { entry: true })).args, []);
  assert.equal(olly.socket.io.engine.transport.name, 'polling');
  olly.disconnect();
  for (const s of [polly, webb]) checkLeft(await s.waitFor('user-left'), o.userId, 2);

  polly.disconnect();
  checkLeft(await webb.waitFor('user-left', (d) => d?.userId === p.userId), p.userId, 1);
  webb.disconnect();
});

// Last: it restarts the file's server.
test('SIGTERM and a start on the same database: rooms and users are kept, occupancy is 0 until clients join', async () => {
  const { roomId } = await createRoom(server, { name: 'Survivor', capacity: 3 });
  const u = await createUser(server, 'Steady Sam');
  const v = await createUser(server, 'Rejoining Ray');
  assert.equal((await joinRest(server, roomId, u.userId)).status, 200);
  const s = await connect(roomId, 'before restart');
  await s.join(v.userId);
  assert.equal(await occupancyOf(server, roomId), 2);
  const before = (await rest(server, 'GET', '/api/public/rooms')).body.rooms;

  await sqlUntil(server, `SELECT userId FROM public_room_members WHERE roomId = ${q(roomId)}`, (rows) => rows.length === 2);
  const outcome = await server.stop({ keepFiles: true });
  assert.equal(outcome.code, 0, `exit on SIGTERM: ${JSON.stringify(outcome)}`);
  server = await server.restart();

  const afterRooms = (await rest(server, 'GET', '/api/public/rooms')).body.rooms;
  assert.deepEqual(afterRooms, before.map((r) => ({ ...r, currentOccupancy: 0 })));
  await sqlUntil(server, `SELECT * FROM public_room_members WHERE roomId = ${q(roomId)}`, (rows) => rows.length === 0);

  // The users are still there and still bound to this address.
  const again = await connect(roomId, 'after restart');
  checkJoined(await again.join(v.userId), v.userId, 'Rejoining Ray', 1);
  assert.equal((await joinRest(server, roomId, u.userId)).status, 200);
  assert.equal(await occupancyOf(server, roomId), 2);
  assert.deepEqual(again.all('error'), []);
  again.disconnect();
});
