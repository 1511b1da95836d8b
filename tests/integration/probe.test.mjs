// The kernel probe (tools/bench/probe, build/proctord-probe), the bench's
// reference relay: npm `ws` clients see one connection's text frames
// relayed to the others of its room and to no one else, byte for byte,
// large ones too; pings answered, a close answered; /api/stats counts it;
// and proctor-load's probe dialect runs probe-fanout.json against it with
// nothing lost and every delivery timed.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { now } from './lib/clock.mjs';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const scenarios = path.resolve(here, '../../tools/scenarios');

function bin(env, what) {
  const p = process.env[env];
  if (!p || !existsSync(p)) throw new Error(`${env} must point at the built ${what}`);
  return p;
}

async function startProbe() {
  const child = spawn(bin('PROBE_BIN', 'proctord-probe'), ['--port', '0', '--bind', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`proctord-probe exited ${code}`)));
  });
  child.removeAllListeners('exit');
  return {
    child, port,
    async stop() {
      const exited = new Promise((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/// A client in `room` once the probe said J; keeps what it receives.
function member(port, room) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/probe`);
    ws.got = [];
    ws.on('error', reject);
    ws.on('open', () => ws.send(room));
    ws.on('message', (data) => {
      if (!ws.joined && String(data) === 'J') {
        ws.joined = true;
        resolve(ws);
      } else {
        ws.got.push(String(data));
      }
    });
  });
}

const until = async (what, ms = 5000) => {
  const end = now() + ms;
  while (!what()) {
    if (now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('proctord-probe', () => {
  let probe;
  before(async () => { probe = await startProbe(); });
  after(async () => { await probe?.stop(); });

  test('relays a text frame to every other member of the room, and only there', async () => {
    const [a, b, c, other] = await Promise.all([member(probe.port, 'r1'), member(probe.port, 'r1'),
      member(probe.port, 'r1'), member(probe.port, 'r2')]);
    const big = 'y'.repeat(200_000); // a 64-bit length, and more than one send() on a busy socket
    a.send('hello');
    a.send(big);
    await until(() => c.got.length === 2 && b.got.length === 2);
    b.send('from b'); // after a's: frames of two senders have no order between them
    await until(() => c.got.length === 3 && a.got.length === 1);
    assert.deepEqual(c.got, ['hello', big, 'from b']);
    assert.deepEqual(b.got, ['hello', big]);
    assert.deepEqual(a.got, ['from b']);
    assert.deepEqual(other.got, []);
    for (const ws of [a, b, c, other]) ws.terminate();
  });

  test('answers a ping with a pong and a close with a close', async () => {
    const a = await member(probe.port, 'r3');
    const pong = new Promise((r) => a.once('pong', (d) => r(String(d))));
    a.ping('are you there');
    assert.equal(await pong, 'are you there');
    const closed = new Promise((r) => a.once('close', (code) => r(code)));
    a.close(4000, 'bye');
    assert.equal(await closed, 4000);
  });

  test('a member that leaves gets nothing more, and the others still do', async () => {
    const [a, b, c] = await Promise.all([member(probe.port, 'r4'), member(probe.port, 'r4'), member(probe.port, 'r4')]);
    b.terminate();
    await new Promise((r) => setTimeout(r, 50));
    a.send('after b left');
    await until(() => c.got.length === 1);
    assert.deepEqual(c.got, ['after b left']);
    a.terminate();
    c.terminate();
  });

  test('GET /api/stats counts frames in and out', async () => {
    const before = await (await fetch(`http://127.0.0.1:${probe.port}/api/stats`)).json();
    const [a, b] = await Promise.all([member(probe.port, 'r5'), member(probe.port, 'r5')]);
    a.send('12345');
    await until(() => b.got.length === 1);
    const now = await (await fetch(`http://127.0.0.1:${probe.port}/api/stats`)).json();
    assert.equal(now.messagesIn - before.messagesIn, 3, 'two room names and one announcement');
    assert.equal(now.messagesOut - before.messagesOut, 1);
    assert.equal(now.bytesOut - before.bytesOut, 5);
    assert.equal(now.connections - before.connections, 2);
    a.terminate();
    b.terminate();
  });

  test('proctor-load runs probe-fanout against it with nothing lost', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'probe-it-'));
    try {
      const json = path.join(dir, 'r.json');
      await execFileP(bin('PROCTOR_LOAD_BIN', 'proctor-load'), [path.join(scenarios, 'probe-fanout.json'),
        '--url', `ws://127.0.0.1:${probe.port}/probe`, '--secret', 'unused-by-the-probe',
        '--set', 'rooms=3', '--set', 'participantsPerRoom=10', '--set', 'host.announce.perSecond=10',
        '--set', 'warmupSeconds=0.5', '--set', 'durationSeconds=1.5', '--set', 'drainSeconds=2',
        '--server-pid', String(probe.child.pid), '--json', json, '--quiet'], { timeout: 60_000 });
      const r = JSON.parse(await readFile(json, 'utf8'));
      assert.equal(r.connections.connected, 33);
      assert.equal(r.connections.joined, 33);
      assert.deepEqual(r.errors, {});
      const l = r.loss.announcement;
      assert.ok(l.expected >= 3 * 10 * 10, `expected ${l.expected}`);
      assert.equal(l.lost, 0);
      assert.equal(l.delivered, l.expected);
      assert.ok(r.latencyMs.delivery.count > 0);
      assert.equal(r.server.messagesOutDelta, r.messages.receivedTotal - 33, 'every relayed frame (all but the J answers) arrived');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('exits 0 on SIGTERM', async () => {
    const p = await startProbe();
    assert.equal(await p.stop(), 0);
  });
});
