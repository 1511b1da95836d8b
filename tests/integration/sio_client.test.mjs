// The stock socket.io-client (npm, v4) against sio-conformance's /socket.io/:
// the default transports (polling, then the upgrade to WebSocket), WebSocket
// only, WebSocket first, polling only; the auth payload; events and acks
// with several and with binary arguments; two namespaces over one Manager;
// an unknown namespace; and a server stopped with SIGTERM, which the client
// sees as "transport close" (no DISCONNECT packet is sent on shutdown).
// Acks both ways: the client's emitWithAck, and the server's `question`
// (emitted with an ack id when the client sends `ask`) answered by the
// client's callback, whose arguments come back as `answered`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io, Manager } from 'socket.io-client';
import { startConformance, WAIT_MS } from './lib/conformance.mjs';

let server;
const clients = [];

before(async () => { server = await startConformance(); });

after(async () => {
  for (const c of clients) c.disconnect();
  await server?.stopAndCheck();
});

/// A socket.io-client socket of its own Manager (no reconnection: a test
/// sees every disconnect as it is).
function client(nsp = '', opts = {}) {
  const socket = io(`${server.httpUrl}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  clients.push(socket);
  return socket;
}

/// The arguments of the next `event` on `emitter`; fails after WAIT_MS.
function once(emitter, event, timeout = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no "${event}" within ${timeout} ms`));
    }, timeout);
    const on = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, on);
  });
}

/// Connects `socket` and returns the payload of its "auth" event.
async function connectedWithAuth(socket) {
  const auth = once(socket, 'auth');
  const connectError = once(socket, 'connect_error').then(([err]) => { throw err; });
  await Promise.race([once(socket, 'connect'), connectError]);
  connectError.catch(() => {});
  assert.equal(socket.connected, true);
  assert.equal(typeof socket.id, 'string');
  return (await auth)[0];
}

/// emit(event, ...args, callback) → the callback's arguments.
function emitWithCallback(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}"`)), WAIT_MS);
    socket.emit(event, ...args, (...resp) => { clearTimeout(timer); resolve(resp); });
  });
}

const bytes = (b) => [...Buffer.from(b)];

/// The domain over `socket`: message-back and acks, plain and binary.
async function roundTrips(socket) {
  const args = [1, '2', { 3: [true] }, null, 'héllo € 😀'];
  const back = once(socket, 'message-back');
  socket.emit('message', ...args);
  assert.deepEqual(await back, args);

  assert.deepEqual(await socket.emitWithAck('message-with-ack', { a: [1, 2] }), { a: [1, 2] });
  assert.deepEqual(await emitWithCallback(socket, 'message-with-ack', 1, '2', { 3: [false] }), [1, '2', { 3: [false] }]);

  const binBack = once(socket, 'message-back');
  socket.emit('message', Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5, 6]), n: 7 });
  const [b0, b1] = await binBack;
  assert.deepEqual(bytes(b0), [1, 2, 3]);
  assert.deepEqual(bytes(b1.nested), [4, 5, 6]);
  assert.equal(b1.n, 7);

  const [a0, a1] = await emitWithCallback(socket, 'message-with-ack', Buffer.from([9, 8]), [Buffer.alloc(0), 'x']);
  assert.deepEqual(bytes(a0), [9, 8]);
  assert.deepEqual(bytes(a1[0]), []);
  assert.equal(a1[1], 'x');

  const big = Buffer.alloc(100_000, 0xab);
  const bigAck = await socket.emitWithAck('message-with-ack', big);
  assert.ok(Buffer.from(bigAck).equals(big), 'a 100 kB attachment round trip');
}

test('default options: polling, then the upgrade to WebSocket; everything works after it', async () => {
  const socket = client('', { auth: { token: 'default' } });
  const engine = socket.io.engine;
  assert.equal(engine.transport.name, 'polling');
  const upgraded = once(engine, 'upgrade', 5000);
  assert.deepEqual(await connectedWithAuth(socket), { token: 'default' });
  const [transport] = await upgraded;
  assert.equal(transport.name, 'websocket');
  assert.equal(socket.io.engine.transport.name, 'websocket');
  await roundTrips(socket);
  socket.disconnect();
});

test("transports: ['websocket']: WebSocket from the start, auth delivered", async () => {
  const socket = client('', { transports: ['websocket'], auth: { token: 'ws', n: 1 } });
  assert.deepEqual(await connectedWithAuth(socket), { token: 'ws', n: 1 });
  assert.equal(socket.io.engine.transport.name, 'websocket');
  await roundTrips(socket);
  socket.disconnect();
});

test("transports: ['websocket', 'polling']: WebSocket first", async () => {
  const socket = client('', { transports: ['websocket', 'polling'] });
  assert.deepEqual(await connectedWithAuth(socket), {});
  assert.equal(socket.io.engine.transport.name, 'websocket');
  await roundTrips(socket);
  socket.disconnect();
});

test("transports: ['polling']: everything over long-polling, binary too", async () => {
  const socket = client('', { transports: ['polling'], auth: { token: 'poll' } });
  assert.deepEqual(await connectedWithAuth(socket), { token: 'poll' });
  assert.equal(socket.io.engine.transport.name, 'polling');
  await roundTrips(socket);
  assert.equal(socket.io.engine.transport.name, 'polling');
  socket.disconnect();
});

test('two namespaces over one Manager: / and /custom share the connection', async () => {
  const m = new Manager(server.httpUrl, { reconnection: false });
  const main = m.socket('/');
  const custom = m.socket('/custom', { auth: { token: 'custom' } });
  clients.push(main, custom);
  const [authMain, authCustom] = await Promise.all([connectedWithAuth(main), connectedWithAuth(custom)]);
  assert.deepEqual(authMain, {});
  assert.deepEqual(authCustom, { token: 'custom' });
  assert.notEqual(main.id, custom.id);
  assert.equal(main.io, custom.io);

  // /custom has no handlers: its message gets nothing back, on either namespace
  let stray = 0;
  custom.on('message-back', () => { stray += 1; });
  custom.emit('message', 'to custom');
  const back = once(main, 'message-back');
  main.emit('message', 'to main');
  assert.deepEqual(await back, ['to main']);
  assert.equal(stray, 0);

  // leaving /custom leaves / connected on the same engine
  const engine = m.engine;
  custom.disconnect();
  await roundTrips(main);
  assert.equal(m.engine, engine);
  assert.equal(main.connected, true);
  main.disconnect();
});

test('the server asks for an ack and the client answers it (both transports)', async () => {
  for (const transports of [['websocket'], ['polling']]) {
    const socket = client('', { transports });
    await connectedWithAuth(socket);
    socket.once('question', (text, n, reply) => {
      assert.equal(text, 'what is 6 x 7?');
      assert.equal(n, 1);
      assert.equal(typeof reply, 'function');
      reply(42, { unit: 'none' }, Buffer.from([9, 8]));
    });
    const answered = once(socket, 'answered');
    socket.emit('ask', 'what is 6 x 7?', 1);
    const [value, extra, bin] = await answered;
    assert.equal(value, 42);
    assert.deepEqual(extra, { unit: 'none' });
    assert.deepEqual([...bin], [9, 8]);
    socket.disconnect();
  }
});

test('an unknown namespace gives connect_error "Invalid namespace"', async () => {
  const socket = client('/random');
  const [err] = await once(socket, 'connect_error');
  assert.equal(err.message, 'Invalid namespace');
  assert.equal(socket.connected, false);

  // on a shared Manager the refusal leaves the other namespace connected
  const m = new Manager(server.httpUrl, { reconnection: false });
  const main = m.socket('/');
  const random = m.socket('/random');
  clients.push(main, random);
  // Listen before waiting for main: the refusal can arrive in the same
  // batch as main's CONNECT and "auth" (seen on a loaded machine).
  const refused = once(random, 'connect_error');
  await connectedWithAuth(main);
  assert.equal((await refused)[0].message, 'Invalid namespace');
  const back = once(main, 'message-back');
  main.emit('message', 'after refusal');
  assert.deepEqual(await back, ['after refusal']);
  main.disconnect();
});

// Last: it stops the file's server.
test('SIGTERM: clients see "transport close", no DISCONNECT from the server', async () => {
  const wsOnly = client('', { transports: ['websocket'] });
  const upgraded = client('');
  const upgradedOnce = once(upgraded.io.engine, 'upgrade', 5000);
  await Promise.all([connectedWithAuth(wsOnly), connectedWithAuth(upgraded)]);
  await upgradedOnce;
  const reasons = Promise.all([once(wsOnly, 'disconnect', 10000), once(upgraded, 'disconnect', 10000)]);
  const outcome = await server.stop();
  assert.ok(outcome.code === 0 || outcome.signal === 'SIGTERM', `exit ${JSON.stringify(outcome)}`);
  const [[r1], [r2]] = await reasons;
  assert.equal(r1, 'transport close');
  assert.equal(r2, 'transport close');
});
