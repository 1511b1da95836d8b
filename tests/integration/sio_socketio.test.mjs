// The Socket.IO door's Socket.IO layer (protocol v5 over Engine.IO v4),
// against sio-conformance's /socket.io/: every case of the public Socket.IO
// protocol test suite (its Engine.IO part at /socket.io/, connect to `/` and
// `/custom` with and without auth, an unknown namespace, a bad or missing
// handshake, disconnect, events, binary attachments, acks, malformed
// packets), written here with raw ws frames queued from the socket's
// creation. Pings are answered at once unless a test is about them.
//
// The server's domain: on connect to `/` or `/custom` it emits
// ["auth", <the CONNECT payload or {}>]; on `/` it answers "message" with
// "message-back" and the same arguments, and acks "message-with-ack" with
// its arguments.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startConformance, EioHttp, RawWs, checkOpen, sleep, PING_INTERVAL, PING_TIMEOUT, CONNECT_TIMEOUT,
} from './lib/conformance.mjs';
import { now } from './lib/clock.mjs';

let server;
let eio;
const sockets = [];

before(async () => {
  server = await startConformance();
  eio = new EioHttp(server, '/socket.io/');
});

after(async () => {
  for (const s of sockets) s.terminate();
  await server?.stopAndCheck();
});

/// A WebSocket on /socket.io/ with its Engine.IO open packet consumed.
async function engine(opts = { autoPong: true }) {
  const s = eio.ws(undefined, opts);
  sockets.push(s);
  const open = await s.next();
  assert.match(open, /^0\{/);
  return s;
}

/// Sends a CONNECT for `nsp` (with `payload`, if given) and checks the
/// answer "40<nsp,>{"sid":...}" then the "auth" event. Returns the sid.
async function connectNsp(s, nsp = '/', payload = undefined, expectedAuth = payload ?? {}) {
  const prefix = nsp === '/' ? '' : `${nsp},`;
  s.send(`40${prefix}${payload === undefined ? '' : JSON.stringify(payload)}`);
  const reply = await s.next();
  assert.ok(reply.startsWith(`40${prefix}{`), `CONNECT ${nsp} answered ${reply}`);
  const handshake = JSON.parse(reply.slice(2 + prefix.length));
  assert.deepEqual(Object.keys(handshake), ['sid']);
  assert.equal(typeof handshake.sid, 'string');
  assert.ok(handshake.sid.length > 0);
  assert.equal(await s.next(), `42${prefix}${JSON.stringify(['auth', expectedAuth])}`);
  return handshake.sid;
}

/// A connection with `/` connected (the suite's initSocketIOConnection).
async function connected() {
  const s = await engine();
  await connectNsp(s);
  return s;
}

const PLACEHOLDERS = '{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}';

// -- Engine.IO at /socket.io/ ------------------------------------------------------

test('Engine.IO at /socket.io/: handshakes and their refusals', async () => {
  const r = await eio.request('EIO=4&transport=polling');
  assert.equal(r.status, 200);
  checkOpen(JSON.parse(r.text.slice(1)), ['websocket']);
  for (const q of ['transport=polling', 'EIO=abc&transport=polling', 'EIO=4', 'EIO=4&transport=abc']) {
    assert.equal((await eio.request(q)).status, 400, q);
  }
  for (const method of ['POST', 'PUT']) {
    assert.equal((await eio.request('EIO=4&transport=polling', { method, body: '40' })).status, 400, method);
  }
  const s = eio.ws(undefined, { autoPong: true });
  sockets.push(s);
  checkOpen(JSON.parse((await s.next()).slice(1)), []);
  s.terminate();
  for (const q of ['transport=websocket', 'EIO=abc&transport=websocket', 'EIO=4', 'EIO=4&transport=abc']) {
    const bad = new RawWs(eio.url(q, 'ws'));
    sockets.push(bad);
    await bad.expectClose();
    assert.deepEqual(bad.frames, [], q);
  }
});

test('Engine.IO at /socket.io/: heartbeat, ping timeout and close on both transports', async () => {
  const { sid } = await eio.open();
  for (let i = 0; i < 3; i += 1) {
    const poll = await eio.get(sid);
    assert.equal(poll.text, '2');
    assert.equal((await eio.post(sid, '3')).status, 200);
  }
  const lapsed = await eio.open();
  await sleep(PING_INTERVAL + PING_TIMEOUT + 500);
  assert.equal((await eio.get(lapsed.sid)).status, 400);

  const closing = await eio.open();
  const held = eio.get(closing.sid);
  await sleep(50);
  assert.equal((await eio.post(closing.sid, '1')).status, 200);
  assert.equal((await held).text, '6');
  assert.equal((await eio.get(closing.sid)).status, 400);

  const pinged = await engine({ autoPong: false });
  for (let i = 0; i < 3; i += 1) {
    assert.equal(await pinged.next({ pings: true }), '2');
    pinged.send('3');
  }
  pinged.terminate();
  const silent = await engine({ autoPong: false });
  await silent.expectClose(2000);
  const closer = await engine({ autoPong: false });
  closer.send('1');
  await closer.expectClose(2000);
});

test('Engine.IO at /socket.io/: upgrade; the old transport and a second WebSocket are refused', async () => {
  const { sid } = await eio.open();
  const s = eio.ws(sid, { autoPong: true });
  sockets.push(s);
  await s.open();
  s.send('2probe');
  assert.equal(await s.next(), '3probe');
  s.send('5');
  assert.equal((await eio.get(sid)).status, 400);
  const s2 = eio.ws(sid);
  sockets.push(s2);
  await s2.expectClose();
  await connectNsp(s);
  s.send('42["message","after upgrade"]');
  assert.equal(await s.next(), '42["message-back","after upgrade"]');
  s.terminate();
});

// -- connect ------------------------------------------------------------------------

test('connect to the main namespace: "40{sid}" then ["auth",{}]', async () => {
  const s = await engine();
  await connectNsp(s);
  s.terminate();
});

test('connect to the main namespace with a payload: auth carries it', async () => {
  const s = await engine();
  await connectNsp(s, '/', { token: '123' });
  s.terminate();
});

test('connect to /custom: "40/custom,{sid}" then /custom ["auth",{}]', async () => {
  const s = await engine();
  await connectNsp(s, '/custom');
  s.terminate();
});

test('connect to /custom with a payload: auth carries it', async () => {
  const s = await engine();
  await connectNsp(s, '/custom', { token: 'abc' });
  s.terminate();
});

test('connect to an unknown namespace: CONNECT_ERROR "Invalid namespace"; the connection stays usable', async () => {
  const s = await engine();
  s.send('40/random');
  assert.equal(await s.next(), '44/random,{"message":"Invalid namespace"}');
  s.send('40/random,');
  assert.equal(await s.next(), '44/random,{"message":"Invalid namespace"}');
  await connectNsp(s);
  s.send('42["message","still here"]');
  assert.equal(await s.next(), '42["message-back","still here"]');
  s.terminate();
});

test('an invalid handshake ("4abc") closes the connection', async () => {
  const s = await engine();
  s.send('4abc');
  await s.expectClose();
});

test('no CONNECT within connectTimeout closes the connection, pings answered or not', async () => {
  const since = now();
  const silent = new RawWs(eio.url('EIO=4&transport=websocket', 'ws'));
  const ponging = new RawWs(eio.url('EIO=4&transport=websocket', 'ws'), { autoPong: true });
  sockets.push(silent, ponging);
  await silent.expectClose(CONNECT_TIMEOUT + 2000, since);
  const r = await ponging.expectClose(CONNECT_TIMEOUT + 2000, since);
  assert.ok(r.ms < CONNECT_TIMEOUT + 2000);
  assert.ok(ponging.frames[0].startsWith('0'));
  assert.deepEqual(ponging.frames.slice(1).filter((f) => f !== '2'), [], ponging.describe());
});

// -- disconnect -------------------------------------------------------------------

test('disconnect from the main namespace: nothing answers it, pings go on, a new CONNECT works', async () => {
  const s = await connected();
  s.send('41');
  const seenBefore = s.frames.length;
  assert.equal(await s.next({ pings: true, timeout: PING_INTERVAL + 2000 }), '2');
  assert.deepEqual(s.frames.slice(seenBefore), ['2']);
  assert.equal(s.isClosed, false);
  await connectNsp(s);
  s.terminate();
});

test('connect then disconnect /custom: `/` keeps working on the same connection', async () => {
  const s = await connected();
  await connectNsp(s, '/custom');
  s.send('41/custom');
  s.send('42["message","message to main namespace"]');
  assert.equal(await s.next(), '42["message-back","message to main namespace"]');
  assert.deepEqual(await s.drain(100), []);
  s.terminate();
});

// -- events and acks -------------------------------------------------------------

test('an event is answered with message-back and the same arguments', async () => {
  const s = await connected();
  s.send('42["message",1,"2",{"3":[true]}]');
  assert.equal(await s.next(), '42["message-back",1,"2",{"3":[true]}]');
  s.send('42["message"]');
  assert.equal(await s.next(), '42["message-back"]');
  s.send('42["message","héllo € 😀",null,[1.5,-2]]');
  assert.equal(await s.next(), '42["message-back","héllo € 😀",null,[1.5,-2]]');
  s.terminate();
});

test('a binary event: header and both attachments come back in order', async () => {
  const s = await connected();
  s.send(`452-["message",${PLACEHOLDERS}]`);
  s.send(Buffer.from([1, 2, 3]));
  s.send(Buffer.from([4, 5, 6]));
  const [header, a, b] = await s.nextN(3);
  assert.equal(header, `452-["message-back",${PLACEHOLDERS}]`);
  assert.ok(Buffer.isBuffer(a) && Buffer.isBuffer(b), 'attachments as binary frames');
  assert.deepEqual([...a], [1, 2, 3]);
  assert.deepEqual([...b], [4, 5, 6]);
  s.terminate();
});

test('an event with an ack id is acked with its arguments', async () => {
  const s = await connected();
  s.send('42456["message-with-ack",1,"2",{"3":[false]}]');
  assert.equal(await s.next(), '43456[1,"2",{"3":[false]}]');
  s.terminate();
});

test('a binary event with an ack id gets a binary ack: "462-789[...]" and both attachments', async () => {
  const s = await connected();
  s.send(`452-789["message-with-ack",${PLACEHOLDERS}]`);
  s.send(Buffer.from([1, 2, 3]));
  s.send(Buffer.from([4, 5, 6]));
  const [header, a, b] = await s.nextN(3);
  assert.equal(header, `462-789[${PLACEHOLDERS}]`);
  assert.deepEqual([...a], [1, 2, 3]);
  assert.deepEqual([...b], [4, 5, 6]);
  s.terminate();
});

// -- malformed packets -------------------------------------------------------------

for (const [what, frame] of [
  ['unknown packet type', '4abc'],
  ['invalid payload format', '42{}'],
  ['invalid ack id', '42abc["message-with-ack",1,"2",{"3":[false]}]'],
]) {
  test(`a malformed packet (${what}) closes the connection`, async () => {
    const s = await connected();
    s.send(frame);
    await s.expectClose();
  });
}
