// SIGTERM never hangs (defect 5): whatever state its connections are in
// (TCP only, half an upgrade request, a handshake the client does not read,
// open sessions in a room, HTTP requests half sent or kept alive), proctord
// exits 0 within a few seconds.
//
// A request an endpoint holds unanswered cannot be made against proctord
// yet (every endpoint answers at once); tests/net/stop_test.cpp covers it
// against net::server directly.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, createRoom } from './lib/harness.mjs';

/// Exiting takes: the store flush, 200 ms for the rooms' last frames, and
/// the close handshakes; a hang shows up as the harness's 10 s SIGKILL.
const EXIT_WITHIN_MS = 5000;

/// A raw TCP connection to the server that has sent `bytes` (may be empty),
/// and resolves once connected and written. Errors (the server resetting
/// it on exit) are expected and ignored.
function rawSocket(server, bytes = '') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: server.port });
    s.on('error', () => {});
    s.once('connect', () => {
      if (bytes) s.write(bytes, () => resolve(s));
      else resolve(s);
    });
    setTimeout(() => reject(new Error('raw connect timed out')), 5000).unref();
  });
}

const upgradeHead = (port) => 'GET /ws HTTP/1.1\r\n' +
  `Host: 127.0.0.1:${port}\r\n` +
  'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\n';

/// SIGTERM, then asserts a clean and prompt exit.
async function stopPromptly(server, sockets) {
  const outcome = await server.stop();
  for (const s of sockets) s.destroy();
  assert.equal(outcome.timedOut, undefined,
    `proctord did not exit within 10 s of SIGTERM\n${server.logTail(30)}`);
  assert.equal(outcome.code, 0, `exit ${JSON.stringify(outcome)}\n${server.logTail(30)}`);
  assert.ok(outcome.ms < EXIT_WITHIN_MS,
    `proctord took ${outcome.ms} ms to exit\n${server.logTail(30)}`);
  assert.match(server.log, /proctord stopped/);
}

describe('SIGTERM with connections in every state', () => {
  test('a burst of half-open upgrades, silent sockets, unread handshakes and open sessions', async () => {
    const server = await startServer();
    const head = upgradeHead(server.port);
    const sockets = [];
    // 200 upgrade requests cut short, at different points.
    const partial = [];
    for (let i = 0; i < 200; ++i) {
      partial.push(rawSocket(server, head.slice(0, 10 + (i % (head.length - 10)))));
    }
    // 50 that only connect.
    const silent = Array.from({ length: 50 }, () => rawSocket(server));
    // 20 complete upgrade requests whose 101 is never read.
    const unread = Array.from({ length: 20 }, () => {
      const p = rawSocket(server, `${head}\r\n`);
      p.then((s) => s.pause());
      return p;
    });
    sockets.push(...await Promise.all([...partial, ...silent, ...unread]));
    // 20 open sessions: a host, 9 guests waiting for approval in its room,
    // and 10 connected to no room.
    const { roomId } = await createRoom(server, { maxGuests: 10 });
    for (let i = 0; i < 9; ++i) {
      const g = await server.connect({ label: `guest-${i}` });
      g.send({ type: 'JOIN_ROOM', token: server.token(`guest-${i}`, `Guest ${i}`), roomId });
      await g.next('WAITING_APPROVAL');
    }
    for (let i = 0; i < 10; ++i) await server.connectAs(`idle-${i}`, `Idle ${i}`);
    // Let the server take all of them in.
    await new Promise((r) => setTimeout(r, 300));
    await stopPromptly(server, sockets);
  });

  test('HTTP requests half sent, and kept alive between requests', async () => {
    const server = await startServer();
    const sockets = [];
    // A body that never finishes.
    sockets.push(await rawSocket(server,
      'POST /api/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"half":'));
    // A header that never finishes.
    sockets.push(await rawSocket(server, 'GET /health HTTP/1.1\r\nHost: x\r\n'));
    // A kept-alive connection, idle after its answer.
    const idle = await rawSocket(server, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => idle.once('data', resolve));
    sockets.push(idle);
    await new Promise((r) => setTimeout(r, 100));
    await stopPromptly(server, sockets);
  });
});
