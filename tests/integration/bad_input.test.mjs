// Bad input gets a stable error code (or a WebSocket close code for protocol
// violations), never crashes the server and never disturbs anyone else: after
// every case a bystander in a live room is still served, and /health is 200.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startServer, uid, q, createRoom, admit, requestJoin, startRoom,
} from './lib/harness.mjs';

// 256 KiB frames: room for the 200 KB deeply nested array below, and an easy
// target for the oversized frame.
const MAX_FRAME = 262144;

let server;
let room; // {host, roomId, ...}
let bystander;
let bystanderId;
let pendingId;

before(async () => {
  // A presence grace of 1 s: a participant dropped for a bad frame is
  // shown to leave within a test's wait.
  server = await startServer({ args: ['--max-frame-bytes', String(MAX_FRAME), '--presence-grace', '1'] });
  room = await createRoom(server);
  bystanderId = uid('bystander');
  bystander = await admit(server, room.host, room.roomId, bystanderId, 'Betty Bystander');
  pendingId = uid('pending');
  room.pending = await requestJoin(server, room.host, room.roomId, pendingId, 'Penny Pending');
  await startRoom(room.host, room.roomId);
  await bystander.next('ROOM_STARTED');
});

after(async () => {
  for (const c of [room?.host, bystander, room?.pending]) c?.close();
  await server?.stopAndCheck();
});

/// The bystander's heartbeat is answered, its proctoring event reaches the
/// host, and the server answers /health.
async function bystanderStillServed() {
  await bystander.ping();
  bystander.send({ type: 'FULLSCREEN_ENTER', roomId: room.roomId });
  await room.host.next('PROCTORING_UPDATE', { where: (m) => m.data?.userId === bystanderId });
  await room.host.ping();
  const h = await server.health();
  assert.equal(h.status, 200, `/health after the bad input: ${h.status} ${h.body}`);
  assert.ok(bystander.isOpen && room.host.isOpen, 'bystander and host are still connected');
}

async function attacker(label) {
  return server.connect({ label, token: server.token(uid('attacker'), 'Attacker') });
}

describe('malformed messages get an ERROR and the connection stays usable', () => {
  test('not JSON: INVALID_JSON', async () => {
    const c = await attacker('invalid json');
    for (const frame of ['{"type": "HEARTBEAT"', 'not json at all', '{"type":"HEARTBEAT",}',
      "{'type':'HEARTBEAT'}", '']) {
      c.sendRaw(frame);
      await c.expectError('INVALID_JSON');
      await c.ping(); // the same connection still works
    }
    c.close();
    await bystanderStillServed();
  });

  test('JSON that is not an object with a string type: INVALID_MESSAGE', async () => {
    const c = await attacker('invalid message');
    for (const frame of ['[1,2,3]', '"hello"', '42', 'null', 'true', '{}', '{"type":5}',
      '{"type":null}', '{"type":["HEARTBEAT"]}', '{"roomId":"abcdef"}']) {
      c.sendRaw(frame);
      await c.expectError('INVALID_MESSAGE');
      await c.ping();
    }
    c.close();
    await bystanderStillServed();
  });

  test('a type that names no message: UNKNOWN_TYPE with requestType', async () => {
    const c = await attacker('unknown type');
    for (const type of ['NOPE', 'DROP_TABLE_ROOMS', 'CREATE_ROOM_PLEASE']) {
      c.send({ type, roomId: room.roomId });
      await c.expectError('UNKNOWN_TYPE', { requestType: type });
    }
    await c.ping();
    c.close();
    await bystanderStillServed();
  });

  test('CREATE_ROOM with missing, mistyped or out-of-range fields: INVALID_FIELD naming the field, no room', async () => {
    const sub = uid('sloppy');
    const c = await server.connect({ label: 'sloppy host' });
    const token = server.token(sub, 'Sloppy Host');
    const base = { type: 'CREATE_ROOM', token, roomname: 'ok', maxGuests: 5, question: 'q', duration: 60, isPublic: false };
    const cases = [
      ['roomname', { roomname: undefined }],
      ['roomname', { roomname: '' }],
      ['roomname', { roomname: 'x'.repeat(256) }], // 1–255 characters
      ['roomname', { roomname: 42 }],
      ['maxGuests', { maxGuests: '5' }],
      ['maxGuests', { maxGuests: 0 }], // 1–1000
      ['maxGuests', { maxGuests: 1001 }],
      ['duration', { duration: '60' }],
      ['duration', { duration: 0 }], // 1–1440 minutes
      ['duration', { duration: 1441 }],
      ['isPublic', { isPublic: 'true' }],
      ['question', { question: 'q'.repeat(64 * 1024 + 1) }], // at most 64 KiB
      ['question', { question: ['a list'] }],
    ];
    for (const [field, change] of cases) {
      c.send({ ...base, ...change });
      const err = await c.expectError('INVALID_FIELD', { requestType: 'CREATE_ROOM' });
      assert.ok(err.message.includes(field),
        `the INVALID_FIELD message names "${field}" for ${JSON.stringify(change).slice(0, 80)}: "${err.message}"`);
      await c.expectNone('ROOM_CREATED', 0);
    }
    assert.deepEqual(await server.sql(`select roomId from rooms where hostId = ${q(sub)}`), [],
      'none of them created a room');
    // The same connection can still create a proper room.
    c.send(base);
    await c.next('ROOM_CREATED');
    c.close();
    await bystanderStillServed();
  });

  test('JOIN_ROOM, APPROVE_JOIN, SUBMIT_CODE and KICK_USER with bad fields: INVALID_FIELD, nothing happens', async () => {
    const j = await server.connect({ label: 'bad join' });
    const tok = server.token(uid('joiner'), 'Joiner');
    for (const [field, msg] of [
      ['roomId', { type: 'JOIN_ROOM', token: tok }],
      ['roomId', { type: 'JOIN_ROOM', token: tok, roomId: 42 }],
      ['roomId', { type: 'JOIN_ROOM', token: tok, roomId: 'r'.repeat(65) }], // ids: at most 64 bytes
    ]) {
      j.send(msg);
      const err = await j.expectError('INVALID_FIELD', { requestType: 'JOIN_ROOM' });
      assert.ok(err.message.includes(field), `names ${field}: "${err.message}"`);
    }
    j.close();

    const { host, roomId, pending } = room;
    for (const [field, msg] of [
      ['approve', { type: 'APPROVE_JOIN', roomId, userId: pendingId, approve: 'yes' }],
      ['approve', { type: 'APPROVE_JOIN', roomId, userId: pendingId }],
      ['userId', { type: 'APPROVE_JOIN', roomId, approve: true }],
      // Aimed at the pending user: were the field accepted, it would be kicked.
      ['reason', { type: 'KICK_USER', roomId, userId: pendingId, reason: 'r'.repeat(501) }], // ≤ 500
      ['userId', { type: 'KICK_USER', roomId, userId: 7 }],
    ]) {
      host.send(msg);
      const err = await host.expectError('INVALID_FIELD', { requestType: msg.type });
      assert.ok(err.message.includes(field), `names ${field}: "${err.message}"`);
    }
    await pending.expectNone(['JOIN_APPROVED', 'JOIN_REJECTED', 'KICKED']);

    for (const [field, msg] of [
      ['language', { type: 'SUBMIT_CODE', roomId, code: 'x' }],
      ['language', { type: 'SUBMIT_CODE', roomId, code: 'x', language: 'l'.repeat(51) }], // ≤ 50
      ['code', { type: 'SUBMIT_CODE', roomId, language: 'js' }],
      ['code', { type: 'SUBMIT_CODE', roomId, code: 123, language: 'js' }],
      ['code', { type: 'CODE_CHANGE', roomId, code: { not: 'text' } }],
    ]) {
      bystander.send(msg);
      const err = await bystander.expectError('INVALID_FIELD', { requestType: msg.type });
      assert.ok(err.message.includes(field), `names ${field}: "${err.message}"`);
    }
    await bystander.expectNone('SUBMISSION_RECEIVED', 0);
    await host.expectNone(['USER_SUBMITTED', 'CODE_UPDATE']);
    assert.deepEqual(await server.sql(`select * from submissions where roomId = ${q(roomId)}`), []);
    const s = await host.status(roomId);
    assert.equal(s.participants.find((p) => p.userId === pendingId)?.status, 'PENDING');
    await bystanderStillServed();
  });
});

describe('deep nesting', () => {
  test('a 200 KB array nested 100,000 deep: TOO_DEEP, and the connection is usable', async () => {
    const c = await attacker('deep array');
    const depth = 100_000;
    c.sendRaw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    await c.expectError('TOO_DEEP', { timeout: 10_000 });
    await c.ping();
    // Objects too: {"a":{"a":...}} 40,000 deep is 200 KB.
    const objDepth = 40_000;
    c.sendRaw(`${'{"a":'.repeat(objDepth)}1${'}'.repeat(objDepth)}`);
    await c.expectError('TOO_DEEP', { timeout: 10_000 });
    await c.ping();
    c.close();
    await bystanderStillServed();
  });

  test('the depth limit (32) applies to structure, not to brackets inside strings', async () => {
    const c = await attacker('depth limit');
    const nest = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
    // Clearly over and clearly under 32, away from any off-by-one question.
    c.sendRaw(`{"type":"HEARTBEAT","x":${nest(40)}}`);
    await c.expectError('TOO_DEEP');
    c.sendRaw(`{"type":"HEARTBEAT","x":${nest(20)}}`);
    await c.next('HEARTBEAT_ACK');
    c.sendRaw(`{"type":"HEARTBEAT","s":"${'['.repeat(1000)}{{{{"}`);
    await c.next('HEARTBEAT_ACK');
    c.close();
    await bystanderStillServed();
  });
});

describe('protocol violations close only the offending connection', () => {
  test('a frame over --max-frame-bytes: close 1009', async () => {
    const c = await attacker('big frame');
    const pad = 'x'.repeat(MAX_FRAME + 40_000);
    c.sendRaw(JSON.stringify({ type: 'HEARTBEAT', pad }));
    const { code } = await c.waitClosed();
    assert.equal(code, 1009);
    await bystanderStillServed();
  });

  test('a frame just under --max-frame-bytes is served', async () => {
    const c = await attacker('large frame');
    const pad = 'x'.repeat(MAX_FRAME - 1000);
    c.sendRaw(JSON.stringify({ type: 'HEARTBEAT', pad }));
    await c.next('HEARTBEAT_ACK');
    c.close();
    await bystanderStillServed();
  });

  test('a text frame that is not UTF-8: close 1007', async () => {
    const c = await attacker('bad utf-8');
    c.sendRaw(Buffer.from([0xC3, 0x28]), { binary: false }); // 0xC3 starts a 2-byte sequence; 0x28 cannot continue it
    const { code } = await c.waitClosed();
    assert.equal(code, 1007);
    await bystanderStillServed();
  });

  test('a binary frame: close 1003', async () => {
    const c = await attacker('binary');
    c.sendRaw(Buffer.from(JSON.stringify({ type: 'HEARTBEAT' })), { binary: true });
    const { code } = await c.waitClosed();
    assert.equal(code, 1003);
    await bystanderStillServed();
  });

  test('the participant itself sending a bad frame is dropped; the room goes on', async () => {
    // A second participant who misbehaves: the room sees it leave, others stay.
    const id = uid('clumsy');
    const clumsy = await admit(server, room.host, room.roomId, id, 'Clumsy Clem');
    clumsy.sendRaw(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false });
    assert.equal((await clumsy.waitClosed()).code, 1007);
    const left = await room.host.next('USER_LEFT', { where: (m) => m.data?.userId === id });
    assert.equal(left.data.reason, 'DISCONNECTED');
    await bystanderStillServed();
  });

  test('garbage instead of an HTTP request is refused without harm', async () => {
    await new Promise((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1', () => {
        sock.write('\x16\x03\x01 definitely not HTTP\r\n\r\n');
      });
      sock.on('data', () => {}); // an error page is fine
      sock.setTimeout(10_000, () => { sock.destroy(); reject(new Error('the server kept a garbage connection open for 10 s')); });
      sock.on('close', resolve);
      sock.on('error', () => {}); // a reset is fine too
    });
    await bystanderStillServed();
  });
});
