// Public study rooms (seed 002): limits and bad input. Sockets per address
// across /public-room/* (TOO_MANY_CONNECTIONS; another address unaffected; a
// slot freed by a disconnect is taken again); the seed's health check
// (missed pongs → CONNECTION_TIMEOUT and a disconnect, in a room and in a
// room that does not exist; a client that answers stays); the user creation
// rate (429 RATE_LIMITED); trusted proxies and X-Forwarded-For; malformed
// Socket.IO packets closing only their own connection while a bystander
// keeps receiving broadcasts; the REST API's 401, 403, 404 and 405.
//
// Each test uses loopback addresses of its own (127.0.0.x), so the
// per-address counts of one test never meet another's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brief, now } from './lib/harness.mjs';
import {
  WAIT_MS, startStudyServer, rest, expectHttpError, createUser, createRoom, joinRest, broadcast,
  occupancyOf, connectStudy, adminToken, studentToken, RawStudyWs, until,
} from './lib/study_client.mjs';

const PING_INTERVAL_S = 1;
const MAX_MISSED = 2;

let server; // default limits but the health check's
const sockets = [];
const extraServers = [];

before(async () => {
  server = await startStudyServer([
    '--public-ping-interval', String(PING_INTERVAL_S), '--public-max-missed-pings', String(MAX_MISSED),
  ]);
});

after(async () => {
  for (const s of sockets) s.terminate();
  for (const s of extraServers) await s.stopAndCheck();
  await server?.stopAndCheck();
});

async function connect(roomId, label, opts = {}, srv = server) {
  const s = await connectStudy(srv, roomId, { label, ...opts });
  sockets.push(s);
  return s;
}

async function startExtra(args) {
  const s = await startStudyServer(args);
  extraServers.push(s);
  return s;
}

/// The socket was connected, then told TOO_MANY_CONNECTIONS and disconnected.
async function expectRefused(s) {
  await s.expectError('TOO_MANY_CONNECTIONS');
  assert.equal(await s.waitClosed(), 'io server disconnect');
  assert.deepEqual(s.events.filter((e) => e.name !== 'ping').map((e) => e.name), ['connect', 'error', 'disconnect']);
}

test('two sockets per address across /public-room/*: the third is refused, another address is not; a freed slot is taken', async () => {
  const room = await createRoom(server, { name: 'Crowded', capacity: 10 });
  const other = await createRoom(server, { name: 'Elsewhere', capacity: 10 });
  const [a1, a2, a3] = await Promise.all(['A1', 'A2', 'A3'].map((n) => createUser(server, n)));
  const o = await createUser(server, 'Other Otto', { localAddress: '127.0.0.2' });

  const s1 = await connect(room.roomId, 's1');
  const s2 = await connect(room.roomId, 's2');
  await s1.join(a1.userId, 'A1');
  await s2.join(a2.userId, 'A2');

  // The third from 127.0.0.1, whichever namespace (a room that does not exist too).
  for (const [roomId, label] of [[room.roomId, 'third, same room'], [other.roomId, 'third, another room'],
    ['no-such-room', 'third, no room']]) {
    await expectRefused(await connect(roomId, label));
  }
  // The polling transport counts the same.
  await expectRefused(await connect(room.roomId, 'third, polling', { transports: ['polling'] }));
  assert.equal(await occupancyOf(server, room.roomId), 2);

  // 127.0.0.2 is not affected.
  const so = await connect(room.roomId, 'from 127.0.0.2', { localAddress: '127.0.0.2' });
  await so.join(o.userId, 'Other Otto');
  for (const s of [s1, s2]) await s.waitFor('user-joined', (d) => d?.userId === o.userId);
  assert.equal(await occupancyOf(server, room.roomId), 3);
  assert.deepEqual([s1, s2, so].flatMap((s) => s.all('error')), []);

  // s1 leaves (a disconnect; the others hear it, so its slot is free).
  s1.disconnect();
  await so.waitFor('user-left', (d) => d?.userId === a1.userId);
  const s4 = await connect(other.roomId, 's4 after a slot freed');
  const joined = await s4.join(a3.userId, 'A3');
  assert.equal(joined.currentOccupancy, 1);
  await s4.expectNone('error');
  assert.equal(s4.connected, true);
  // And the limit holds again.
  await expectRefused(await connect(room.roomId, 'third again'));
  for (const s of [s2, so, s4]) s.disconnect();
});

test(`missed pongs: ${MAX_MISSED} pings unanswered → CONNECTION_TIMEOUT and a disconnect; a client that answers stays`, async () => {
  const { roomId } = await createRoom(server, { name: 'Health', capacity: 5 });
  const q = await createUser(server, 'Quiet Quinn', { localAddress: '127.0.0.3' });
  const l = await createUser(server, 'Lively Liz', { localAddress: '127.0.0.4' });
  const lively = await connect(roomId, 'lively (answers)', { localAddress: '127.0.0.4' });
  await lively.join(l.userId);
  const since = now();
  const quiet = await connect(roomId, 'quiet (never answers)', { localAddress: '127.0.0.3', autoPong: false });
  await quiet.join(q.userId);
  await lively.waitFor('user-joined', (d) => d?.userId === q.userId);
  // Idle and never answering: in a room that does not exist too.
  const orphan = await connect('no-such-room', 'orphan (never answers)', { localAddress: '127.0.0.5', autoPong: false });

  // Bound: the first ping within an interval or two of idling, then one per
  // interval; a few seconds of slack for a loaded machine.
  const bound = (MAX_MISSED + 2) * PING_INTERVAL_S * 1000 + 4000;
  for (const s of [quiet, orphan]) {
    await s.expectError('CONNECTION_TIMEOUT', bound);
    assert.equal(await s.waitClosed(), 'io server disconnect');
    assert.ok(now() - since < bound + 1000, `${s.label}: dropped after ${now() - since} ms`);
    const names = s.events.map((e) => e.name);
    assert.deepEqual(names.slice(names.indexOf('ping')),
      [...Array(MAX_MISSED).fill('ping'), 'error', 'disconnect'], `${s.label}: ${names.join(', ')}`);
  }
  // The quiet one's disconnect leaves the room.
  assert.deepEqual(await lively.waitFor('user-left'), { userId: q.userId, currentOccupancy: 1 });

  // The lively one keeps being pinged and stays.
  // (more pings after the quiet one's drop than the quiet one survived)
  const target = lively.all('ping').length + MAX_MISSED + 1;
  await until(server, () => lively.all('ping').length >= target, `${target} pings to the lively one`,
    (MAX_MISSED + 1) * 2 * PING_INTERVAL_S * 1000 + 4000);
  assert.equal(lively.connected, true);
  assert.deepEqual(lively.all('error'), []);
  assert.equal(await occupancyOf(server, roomId), 1);
  lively.disconnect();
});

test('user creation rate: --public-user-rate 3 → the 4th from one address within a minute is 429; another address is fine', async () => {
  const s = await startExtra(['--public-user-rate', '3']);
  for (let i = 1; i <= 3; i += 1) await createUser(s, `Rate ${i}`);
  const r = await rest(s, 'POST', '/api/public/users', { body: { userName: 'Rate 4' } });
  expectHttpError(r, 429, 'RATE_LIMITED');
  for (let i = 1; i <= 3; i += 1) await createUser(s, `Elsewhere ${i}`, { localAddress: '127.0.0.2' });
  expectHttpError(await rest(s, 'POST', '/api/public/users', { body: { userName: 'Elsewhere 4' }, localAddress: '127.0.0.2' }),
    429, 'RATE_LIMITED');
  // A refused creation is not a user: only 6 exist.
  const rows = await s.sql('SELECT COUNT(*) AS n FROM public_users');
  assert.equal(rows[0].n, 6);
});

test('trusted proxies: X-Forwarded-For names the client only from a listed peer', async () => {
  const XFF = '198.51.100.7';
  const s = await startExtra(['--trusted-proxies', '127.0.0.1']);
  const { roomId } = await createRoom(s, { name: 'Behind a proxy', capacity: 10 });
  const viaProxy = await createUser(s, 'Proxied Pat', { headers: { 'X-Forwarded-For': XFF } });

  // REST: bound to 198.51.100.7, not to the proxy's own address.
  expectHttpError(await joinRest(s, roomId, viaProxy.userId), 403, 'INVALID_USER');
  expectHttpError(await joinRest(s, roomId, viaProxy.userId, { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': XFF } }),
    403, 'INVALID_USER');
  assert.equal((await joinRest(s, roomId, viaProxy.userId, { headers: { 'X-Forwarded-For': `${XFF}, 127.0.0.1` } })).status, 200);

  // Sockets: the same.
  const direct = await connect(roomId, 'proxy, no header', {}, s);
  direct.emit('join-room', { userId: viaProxy.userId, userName: 'x' });
  await direct.expectError('INVALID_USER');
  const untrusted = await connect(roomId, '127.0.0.2 with a header', { localAddress: '127.0.0.2', extraHeaders: { 'X-Forwarded-For': XFF } }, s);
  untrusted.emit('join-room', { userId: viaProxy.userId, userName: 'x' });
  await untrusted.expectError('INVALID_USER');
  const proxied = await connect(roomId, 'via the proxy', { extraHeaders: { 'X-Forwarded-For': XFF } }, s);
  const joined = await proxied.join(viaProxy.userId);
  assert.equal(joined.userName, 'Proxied Pat');
  // That socket and the one above are two of 198.51.100.7's; 127.0.0.1 has one.
  for (const x of [direct, untrusted, proxied]) x.disconnect();

  // Per address: the client's, not the proxy's.
  const many = [];
  for (let i = 1; i <= 3; i += 1) {
    many.push(await connect(roomId, `203.0.113.${i}`, { extraHeaders: { 'X-Forwarded-For': `203.0.113.${i}` } }, s));
  }
  many.push(await connect(roomId, '203.0.113.1 again', { extraHeaders: { 'X-Forwarded-For': '203.0.113.1' } }, s));
  for (const x of many) await x.expectNone('error');
  await expectRefused(await connect(roomId, '203.0.113.1, third', { extraHeaders: { 'X-Forwarded-For': '203.0.113.1' } }, s));
  for (const x of many) x.disconnect();

  // Without --trusted-proxies the header is ignored: bound to 127.0.0.1.
  const plainRoom = await createRoom(server, { name: 'No proxy', capacity: 10 });
  const ignored = await createUser(server, 'Ignored Ida', { headers: { 'X-Forwarded-For': XFF } });
  expectHttpError(await joinRest(server, plainRoom.roomId, ignored.userId, { localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': XFF } }),
    403, 'INVALID_USER');
  assert.equal((await joinRest(server, plainRoom.roomId, ignored.userId)).status, 200);
});

test('malformed Socket.IO packets close only their own connection; a bystander keeps receiving broadcasts', async () => {
  const { roomId } = await createRoom(server, { name: 'Bad packets', capacity: 20 });
  const nsp = `/public-room/${roomId}`;
  const b = await createUser(server, 'Bea Stander', { localAddress: '127.0.0.20' });
  const bystander = await connect(roomId, 'bystander', { localAddress: '127.0.0.20' });
  await bystander.join(b.userId);

  const cases = [
    ['EVENT with an object, namespace /', '42{}'],
    ['EVENT with an object', `42${nsp},{}`],
    ['EVENT with an empty array', `42${nsp},[]`],
    ['EVENT with a reserved name', `42${nsp},["disconnecting"]`],
    ['truncated JSON', `42${nsp},["join-room",{"userId":`],
    ['unknown Socket.IO packet type', `49${nsp},["x"]`],
    ['CONNECT_ERROR from a client', `44${nsp},{"message":"x"}`],
    ['bad ack id', `42${nsp},1x["x"]`],
    ['BINARY_EVENT without its "-"', `451${nsp},["x",{"_placeholder":true,"num":0}]`],
    ['unknown Engine.IO packet type', '8'],
  ];
  let n = 0;
  for (const [what, frame] of cases) {
    n += 1;
    const addr = `127.0.0.${40 + n}`;
    const u = await createUser(server, `Raw ${n}`, { localAddress: addr });
    const raw = await RawStudyWs.open(server, roomId, { localAddress: addr });
    raw.send(`42${nsp},["join-room",{"userId":"${u.userId}","userName":"x"}]`);
    assert.match(await raw.next(), /^42\/public-room\/[^,]+,\["user-joined",/, `${what}: joined`);
    await bystander.waitFor('user-joined', (d) => d?.userId === u.userId);

    raw.send(frame);
    await raw.expectClose().catch((err) => { throw new Error(`${what} (${frame}): ${err.message}`); });
    // The connection's socket left the room; the others are served.
    assert.deepEqual(await bystander.waitFor('user-left'), { userId: u.userId, currentOccupancy: 1 }, what);
    assert.equal((await broadcast(server, roomId, 'tick', { n })).status, 200);
    assert.deepEqual(await bystander.waitFor('tick'), { n }, `${what}: the bystander's broadcast`);
  }
  assert.equal(bystander.connected, true);
  assert.deepEqual(bystander.all('error'), []);
  assert.equal(await occupancyOf(server, roomId), 1);
  bystander.disconnect();
});

test('REST: admin-only endpoints (401, 403), 404 for unknown paths and rooms, 405 for the wrong method', async () => {
  const { roomId } = await createRoom(server, { name: 'Guarded', capacity: 3 });
  const body = { name: 'Nope', capacity: 3 };
  const bc = `/api/public/rooms/${roomId}/broadcast`;
  const bcBody = { event: 'x', data: {} };
  for (const [path, b] of [['/api/public/rooms', body], [bc, bcBody]]) {
    expectHttpError(await rest(server, 'POST', path, { body: b }), 401, 'UNAUTHORIZED');
    expectHttpError(await rest(server, 'POST', path, { body: b, token: 'not-a-jwt' }), 401, 'UNAUTHORIZED');
    expectHttpError(await rest(server, 'POST', path, { body: b, token: server.token('x', 'X', { role: 'admin', secret: 'other' }) }),
      401, 'UNAUTHORIZED');
    expectHttpError(await rest(server, 'POST', path, { body: b, token: studentToken(server) }), 403, 'FORBIDDEN');
    expectHttpError(await rest(server, 'POST', path, { body: b, token: server.token('y', 'Y') }), 403, 'FORBIDDEN');
  }
  const names = (await rest(server, 'GET', '/api/public/rooms')).body.rooms.map((r) => r.name);
  assert.ok(!names.includes('Nope'), 'no room was created');

  // Admin, bad bodies.
  const admin = adminToken(server);
  expectHttpError(await rest(server, 'POST', '/api/public/rooms', { token: admin, body: { name: 'Zero', capacity: 0 } }),
    400, 'INVALID_REQUEST', 'capacity');
  expectHttpError(await rest(server, 'POST', '/api/public/rooms', { token: admin, body: { name: 'Text', capacity: 'two' } }),
    400, 'INVALID_REQUEST', 'capacity');
  expectHttpError(await rest(server, 'POST', '/api/public/rooms', { token: admin, body: { capacity: 2 } }),
    400, 'INVALID_REQUEST', 'name');
  expectHttpError(await rest(server, 'POST', bc, { token: admin, body: { data: {} } }), 400, 'INVALID_REQUEST', 'event');
  expectHttpError(await rest(server, 'POST', bc, { token: admin, body: { event: 'disconnect', data: {} } }),
    400, 'INVALID_REQUEST', 'event');

  for (const [method, path] of [
    ['GET', '/api/public/nope'], ['POST', '/api/public/nope'], ['GET', '/api/public/rooms/x/y/z'],
    ['POST', `/api/public/rooms/${roomId}/nope`], ['POST', `/api/public/users/${roomId}`],
  ]) {
    const r = await rest(server, method, path, { body: {} });
    assert.equal(r.status, 404, `${method} ${path}: ${r.status} ${brief(r.body)}`);
    assert.equal(typeof r.body?.code, 'string', `${method} ${path}: ${brief(r.body)}`);
  }
  for (const [method, path] of [
    ['GET', '/api/public/users'], ['DELETE', '/api/public/rooms'], ['PUT', '/api/public/rooms'],
    ['GET', `/api/public/rooms/${roomId}/join`], ['DELETE', `/api/public/rooms/${roomId}/leave`],
    ['GET', bc],
  ]) {
    const r = await rest(server, method, path);
    assert.equal(r.status, 405, `${method} ${path}: ${r.status} ${brief(r.body)}`);
    assert.equal(r.body?.code, 'METHOD_NOT_ALLOWED', `${method} ${path}: ${brief(r.body)}`);
    assert.ok(r.headers.allow, `${method} ${path}: an Allow header`);
  }
});
