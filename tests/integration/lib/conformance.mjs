// The Socket.IO door's conformance server and raw clients for it.
//
// `$SIO_CONFORMANCE_BIN --port P` serves the reference configuration of the
// public Engine.IO and Socket.IO protocol test suites on 127.0.0.1:P: an
// Engine.IO echo at /engine.io/, Socket.IO at /socket.io/ (namespaces `/`
// and `/custom`), pingInterval 300 ms, pingTimeout 200 ms, maxPayload
// 1,000,000, connectTimeout 1,000 ms, CORS `*`. It prints nothing we rely
// on; it is ready once a TCP connect succeeds. SIO_CONFORMANCE_BIN may be any
// executable taking `--port P` (a wrapper around a Node reference server,
// say), as long as SIGTERM reaches the server itself (exec).
//
// RawWs queues every frame from the moment the socket is created, so two
// frames arriving in one read are never lost; EioHttp speaks the polling
// transport with fetch.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import assert from 'node:assert/strict';
import path from 'node:path';
import WebSocket from 'ws';
import { brief } from './client.mjs';
import { now } from './clock.mjs';

export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1_000_000;
export const CONNECT_TIMEOUT = 1000;

const STARTUP_TIMEOUT_MS = 10000;
const SHUTDOWN_TIMEOUT_MS = 10000;
/// How long a test waits for an expected frame, close or response.
export const WAIT_MS = 3000;

const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { s.child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function conformanceBin() {
  const value = process.env.SIO_CONFORMANCE_BIN;
  if (!value) {
    throw new Error('SIO_CONFORMANCE_BIN is not set: point it at the built sio-conformance ' +
      '(or at a wrapper running a reference server with --port P)');
  }
  const resolved = path.resolve(value);
  if (!existsSync(resolved)) throw new Error(`SIO_CONFORMANCE_BIN=${value} does not exist`);
  return resolved;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tcpConnects(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

/// Starts sio-conformance on a free port (three tries, should another
/// process take the port first); resolves once it accepts connections.
export async function startConformance() {
  const bin = conformanceBin();
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const server = new ConformanceServer(bin, await freePort());
    try {
      await server._ready();
      return server;
    } catch (err) {
      lastErr = err;
      await server.kill();
    }
  }
  throw lastErr;
}

export class ConformanceServer {
  constructor(bin, port) {
    this.port = port;
    this.httpUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    this.log = '';
    this.child = spawn(bin, ['--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      this.child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        this.log = (this.log + chunk).slice(-200_000);
      });
    }
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async _ready() {
    const deadline = now() + STARTUP_TIMEOUT_MS;
    let gone = null;
    this.exited.then((r) => { gone = r; });
    while (now() < deadline) {
      if (gone) {
        throw new Error(`sio-conformance exited during startup ${JSON.stringify(gone)}\n${this.logTail()}`);
      }
      if (await tcpConnects(this.port)) return;
      await sleep(50);
    }
    throw new Error(`sio-conformance did not accept connections on ${this.port} ` +
      `within ${STARTUP_TIMEOUT_MS} ms\n${this.logTail()}`);
  }

  logTail(lines = 30) {
    return this.log.split('\n').slice(-lines - 1).join('\n');
  }

  /// SIGTERM and wait for the exit (SIGKILL after 10 s). Resolves {code, signal}.
  async stop() {
    if (this.running) this.child.kill('SIGTERM');
    let timer;
    const outcome = await Promise.race([
      this.exited,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), SHUTDOWN_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (outcome) return this._cleanup(outcome);
    this.child.kill('SIGKILL');
    return this._cleanup({ ...(await this.exited), timedOut: true });
  }

  async kill() {
    if (this.running) this.child.kill('SIGKILL');
    return this._cleanup(await this.exited);
  }

  _cleanup(outcome) {
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    live.delete(this);
    return outcome;
  }

  /// For an after() hook: stops the server (if a test did not already) and
  /// fails unless it ended by SIGTERM cleanly: exit status 0, or the default
  /// action of SIGTERM. A crash during the tests shows up here.
  async stopAndCheck() {
    const outcome = await this.stop();
    const clean = outcome.code === 0 || (outcome.code === null && outcome.signal === 'SIGTERM');
    if (!clean || outcome.timedOut) {
      throw new Error(`sio-conformance did not end cleanly on SIGTERM: ${JSON.stringify(outcome)}\n` +
        this.logTail());
    }
    return outcome;
  }
}

// -- raw WebSocket -------------------------------------------------------------

/// A raw WebSocket that queues every frame from its creation. Text frames
/// come out of next() as strings, binary frames as Buffers. With
/// {autoPong: true} every "2" (Engine.IO ping) is answered with "3" at once.
export class RawWs {
  constructor(url, { autoPong = false, headers } = {}) {
    this.url = url;
    this.autoPong = autoPong;
    this.frames = []; // everything received, for failure messages
    this.queue = [];
    this.waiter = null;
    this.refusedStatus = null;
    this.ws = new WebSocket(url, { perMessageDeflate: false, headers });
    this.didOpen = false;
    // true once open; false if it closed (or was refused) without opening
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => { this.didOpen = true; resolve(true); });
      this.ws.once('close', () => resolve(false));
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closedAt = now();
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('error', (err) => {
      this.error = err;
      const m = /Unexpected server response: (\d+)/.exec(err.message);
      if (m) this.refusedStatus = Number(m[1]);
    });
    this.ws.on('message', (data, isBinary) => {
      const frame = isBinary ? Buffer.from(data) : data.toString('utf8');
      this.frames.push(frame);
      if (this.autoPong && frame === '2') this.send('3');
      this.queue.push(frame);
      this._wake();
    });
    this.ws.once('close', () => this._wake());
  }

  _wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /// Resolves once open; fails if it closed or was refused first.
  async open() {
    if (!(await this.opened)) throw new Error(`${this.url}: did not open; ${this.describe()}`);
    return this;
  }

  send(data) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  get isClosed() {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  /// The next frame in arrival order. Pings ("2") are skipped unless
  /// {pings: true}. Fails if the socket closes or nothing comes in time.
  async next({ pings = false, timeout = WAIT_MS } = {}) {
    const deadline = now() + timeout;
    for (;;) {
      while (this.queue.length > 0) {
        const frame = this.queue.shift();
        if (pings || frame !== '2') return frame;
      }
      if (this.isClosed) throw new Error(`${this.url}: closed while waiting; ${this.describe()}`);
      const left = deadline - now();
      if (left <= 0) throw new Error(`${this.url}: no frame within ${timeout} ms; ${this.describe()}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /// The next `count` frames (pings skipped).
  async nextN(count, opts) {
    const out = [];
    while (out.length < count) out.push(await this.next(opts));
    return out;
  }

  /// Resolves {code, reason, ms} once closed (ms since `since`); fails if
  /// still open after `timeout`.
  async expectClose(timeout = WAIT_MS, since = now()) {
    let timer;
    const r = await Promise.race([
      this.closed,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); }),
    ]);
    clearTimeout(timer);
    if (!r) throw new Error(`${this.url}: still open after ${timeout} ms; ${this.describe()}`);
    return { ...r, ms: this.closedAt - since };
  }

  /// The frames not consumed yet, after waiting `ms` (pings dropped).
  async drain(ms) {
    await sleep(ms);
    const rest = this.queue.filter((f) => f !== '2');
    this.queue = [];
    return rest;
  }

  describe() {
    const shown = this.frames.slice(-8).map((f) => (typeof f === 'string' ? brief(f, 120) : `<binary ${f.toString('hex')}>`));
    return `received ${this.frames.length} frame(s), last: [${shown.join(', ')}]` +
      `${this.refusedStatus ? `; upgrade refused with ${this.refusedStatus}` : ''}`;
  }

  terminate() {
    this.ws.terminate();
  }
}

// -- Engine.IO over HTTP -------------------------------------------------------

/// The polling transport of one Engine.IO endpoint (path '/engine.io/' or
/// '/socket.io/') with fetch.
export class EioHttp {
  constructor(server, pathPart) {
    this.server = server;
    this.path = pathPart;
  }

  url(query = 'EIO=4&transport=polling', scheme = 'http') {
    const base = scheme === 'ws' ? this.server.wsUrl : this.server.httpUrl;
    return `${base}${this.path}?${query}`;
  }

  /// {status, text, headers} of one request; GETs of an open session are
  /// long polls, so each request gets `timeout` ms.
  async request(query, { method = 'GET', body, headers, timeout = WAIT_MS } = {}) {
    const res = await fetch(this.url(query), {
      method, body, headers, signal: AbortSignal.timeout(timeout),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  /// Opens a polling session: {sid, open (the handshake object)}.
  async open() {
    const r = await this.request('EIO=4&transport=polling');
    if (r.status !== 200 || !r.text.startsWith('0')) {
      throw new Error(`polling handshake: ${r.status} ${brief(r.text)}`);
    }
    const open = JSON.parse(r.text.slice(1));
    return { sid: open.sid, open };
  }

  get(sid, opts = {}) {
    return this.request(`EIO=4&transport=polling&sid=${encodeURIComponent(sid)}${opts.extra ?? ''}`, opts);
  }

  post(sid, body, opts = {}) {
    return this.request(`EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, { ...opts, method: 'POST', body });
  }

  /// A WebSocket on this endpoint (upgrading session `sid`, if given).
  ws(sid, opts) {
    const q = `EIO=4&transport=websocket${sid ? `&sid=${encodeURIComponent(sid)}` : ''}`;
    return new RawWs(this.url(q, 'ws'), opts);
  }
}

/// Checks an Engine.IO open packet's object (the handshake).
export function checkOpen(open, upgrades) {
  assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.equal(typeof open.sid, 'string');
  assert.ok(open.sid.length > 0);
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, MAX_PAYLOAD);
}
