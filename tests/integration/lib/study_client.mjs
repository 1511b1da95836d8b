// Public study rooms (seed 002): proctord started with study options, the
// REST API over node:http (so a request can leave from another loopback
// address), and the stock socket.io-client on /public-room/:roomId that
// records every event in arrival order.

import assert from 'node:assert/strict';
import http from 'node:http';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { brief, QUIET_MS } from './client.mjs';
import { startServer } from './server.mjs';
import { now } from './clock.mjs';

/// How long a test waits for an expected event or close.
export const WAIT_MS = 8000;

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/// An ISO-8601 UTC time with milliseconds and Z, as toISOString() writes it.
export function isIso(v) {
  return typeof v === 'string' && ISO_RE.test(v) && !Number.isNaN(Date.parse(v)) &&
    new Date(Date.parse(v)).toISOString() === v;
}

/// An ISO time within a minute of this machine's clock.
export function isRecentIso(v) {
  return isIso(v) && Math.abs(Date.parse(v) - Date.now()) < 60_000;
}

/// proctord with extra arguments (e.g. ['--public-ping-interval', '1']).
export function startStudyServer(args = []) {
  return startServer({ args });
}

export function adminToken(server, sub = 'admin-1') {
  return server.token(sub, 'Ada Admin', { role: 'admin' });
}

export function studentToken(server, sub = 'student-1') {
  return server.token(sub, 'Stu Dent', { role: 'student' });
}

const JOINED_KEYS = ['currentOccupancy', 'joinedAt', 'userId', 'userName'];
const LEFT_KEYS = ['currentOccupancy', 'userId'];

/// user-joined with exactly the seed's members and these values.
export function checkJoined(d, userId, userName, occupancy) {
  assert.deepEqual(Object.keys(d).sort(), JOINED_KEYS, brief(d));
  assert.equal(d.userId, userId);
  assert.equal(d.userName, userName);
  assert.ok(isRecentIso(d.joinedAt), `joinedAt ${d.joinedAt}`);
  assert.equal(d.currentOccupancy, occupancy, brief(d));
  return d;
}

/// user-left with exactly the seed's members and these values.
export function checkLeft(d, userId, occupancy) {
  assert.deepEqual(Object.keys(d).sort(), LEFT_KEYS, brief(d));
  assert.deepEqual(d, { userId, currentOccupancy: occupancy });
}

// -- REST ----------------------------------------------------------------------

/// One HTTP request → {status, body (parsed JSON, or the text), headers}.
/// opts: token (Bearer), body (JSON), rawBody (a string sent as is),
/// headers, localAddress (the source address, e.g. '127.0.0.2').
export function rest(server, method, path, { token, body, rawBody, headers = {}, localAddress } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  const payload = rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined);
  if (payload !== undefined) {
    h['Content-Type'] ??= 'application/json';
    h['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, method, path, headers: h, localAddress, agent: false,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${WAIT_MS} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/// An HTTP error: the status and a body {code, message, field?} with that code
/// (and that field, when given).
export function expectHttpError(r, status, code, field) {
  assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status} ${brief(r.body)}`);
  assert.ok(r.body !== null && typeof r.body === 'object', `error body is JSON: ${brief(r.body)}`);
  assert.equal(r.body.code, code, `error code: ${brief(r.body)}`);
  assert.equal(typeof r.body.message, 'string', `error message: ${brief(r.body)}`);
  assert.ok(r.body.message.length > 0);
  for (const k of Object.keys(r.body)) {
    assert.ok(['code', 'message', 'field'].includes(k), `error body key ${k}: ${brief(r.body)}`);
  }
  if (field !== undefined) assert.equal(r.body.field, field, `error field: ${brief(r.body)}`);
  return r.body;
}

/// POST /api/public/users → the 201 body {userId, userName, createdAt}.
/// opts: localAddress, headers.
export async function createUser(server, userName, opts = {}) {
  const r = await rest(server, 'POST', '/api/public/users', { body: { userName }, ...opts });
  assert.equal(r.status, 201, `POST /api/public/users: ${r.status} ${brief(r.body)}`);
  assert.deepEqual(Object.keys(r.body).sort(), ['createdAt', 'userId', 'userName'], brief(r.body));
  assert.equal(typeof r.body.userId, 'string');
  assert.ok(r.body.userId.length > 0);
  assert.equal(r.body.userName, userName);
  assert.ok(isRecentIso(r.body.createdAt), `createdAt ${r.body.createdAt}`);
  return r.body;
}

/// POST /api/public/rooms as an admin → the 201 body {roomId, name, capacity}.
export async function createRoom(server, { name = 'Quiet Study', capacity = 5 } = {}, token = adminToken(server)) {
  const r = await rest(server, 'POST', '/api/public/rooms', { token, body: { name, capacity } });
  assert.equal(r.status, 201, `POST /api/public/rooms: ${r.status} ${brief(r.body)}`);
  assert.equal(typeof r.body.roomId, 'string');
  assert.ok(r.body.roomId.length > 0);
  assert.equal(r.body.name, name);
  assert.equal(r.body.capacity, capacity);
  return r.body;
}

const roomPath = (roomId, action) => `/api/public/rooms/${encodeURIComponent(roomId)}/${action}`;

/// POST /api/public/rooms/:roomId/join {userId} → {status, body}.
export function joinRest(server, roomId, userId, opts = {}) {
  return rest(server, 'POST', roomPath(roomId, 'join'), { body: { userId }, ...opts });
}

/// POST /api/public/rooms/:roomId/leave {userId} → {status, body}.
export function leaveRest(server, roomId, userId, opts = {}) {
  return rest(server, 'POST', roomPath(roomId, 'leave'), { body: { userId }, ...opts });
}

/// POST /api/public/rooms/:roomId/broadcast {event, data} as an admin.
export function broadcast(server, roomId, event, data, token = adminToken(server)) {
  return rest(server, 'POST', roomPath(roomId, 'broadcast'), { token, body: { event, data } });
}

/// GET /api/public/rooms → the rooms array (200 asserted).
export async function listRooms(server) {
  const r = await rest(server, 'GET', '/api/public/rooms');
  assert.equal(r.status, 200, `GET /api/public/rooms: ${r.status} ${brief(r.body)}`);
  assert.ok(Array.isArray(r.body?.rooms), `GET /api/public/rooms: ${brief(r.body)}`);
  for (const room of r.body.rooms) {
    assert.deepEqual(Object.keys(room).sort(),
      ['capacity', 'createdAt', 'currentOccupancy', 'name', 'roomId'], brief(room));
    assert.ok(isIso(room.createdAt), `createdAt ${room.createdAt}`);
  }
  return r.body.rooms;
}

/// The listed room `roomId` (asserted to be listed).
export async function listedRoom(server, roomId) {
  const rooms = await listRooms(server);
  const room = rooms.find((x) => x.roomId === roomId);
  assert.ok(room, `room ${roomId} not in GET /api/public/rooms: ${brief(rooms, 800)}`);
  return room;
}

export async function occupancyOf(server, roomId) {
  return (await listedRoom(server, roomId)).currentOccupancy;
}

// -- socket.io-client ------------------------------------------------------------

/// A socket.io-client socket on /public-room/:roomId (its own Manager, no
/// reconnection) that records every event, connect and disconnect included,
/// as {name, args, at, consumed}. By default it answers each `ping` event
/// with `pong`, as the seed's client does.
///
/// opts: transports (default ['websocket']; null for the client's default),
/// localAddress (the source address), path ('/socket.io/'), extraHeaders,
/// autoPong (true), label.
export class StudySocket {
  constructor(server, roomId, opts = {}) {
    this.server = server;
    this.roomId = roomId;
    this.label = opts.label ?? `socket ${roomId}`;
    this.events = [];
    this.waiters = [];
    const ioOpts = {
      forceNew: true,
      reconnection: false,
      timeout: WAIT_MS,
      path: opts.path ?? '/socket.io/',
    };
    if (opts.transports !== null) ioOpts.transports = opts.transports ?? ['websocket'];
    if (opts.extraHeaders) ioOpts.extraHeaders = opts.extraHeaders;
    if (opts.localAddress) {
      // The WebSocket transport hands localAddress to `ws`; polling (the
      // XHR shim) takes an agent.
      ioOpts.localAddress = opts.localAddress;
      ioOpts.agent = new http.Agent({ localAddress: opts.localAddress });
    }
    this.socket = io(`${server.httpUrl}/public-room/${roomId}`, ioOpts);
    server.clients.add(this);
    this.socket.onAny((name, ...args) => this._record(name, args));
    for (const name of ['connect', 'disconnect', 'connect_error']) {
      this.socket.on(name, (...args) => this._record(name, args));
    }
    if (opts.autoPong ?? true) this.socket.on('ping', () => this.socket.emit('pong'));
    this.closed = new Promise((resolve) => this.socket.once('disconnect', (reason) => {
      server.clients.delete(this);
      resolve(reason);
    }));
  }

  /// Connects and waits for `connect` (fails on connect_error).
  static async connect(server, roomId, opts = {}) {
    const s = new StudySocket(server, roomId, opts);
    await s.waitFor(['connect', 'connect_error'], undefined, opts.timeout ?? WAIT_MS, { peek: true });
    const first = s.events.find((e) => e.name === 'connect' || e.name === 'connect_error');
    if (first.name === 'connect_error') {
      throw s._failure(`connect_error: ${first.args[0]?.message}`);
    }
    return s;
  }

  _record(name, args) {
    const entry = { name, args, at: now(), consumed: false };
    this.events.push(entry);
    for (let i = 0; i < this.waiters.length; i += 1) {
      const w = this.waiters[i];
      if (w.match(entry)) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        if (!w.peek) entry.consumed = true;
        w.resolve(entry);
        return;
      }
    }
  }

  _failure(text) {
    const got = this.events.map((e) => `  ${e.consumed ? ' ' : '*'} ${e.name} ${brief(e.args, 300)}`)
      .slice(-40).join('\n') || '  (nothing)';
    return new Error(`[${this.label}] ${text}\nreceived (* = not yet consumed, last 40):\n${got}\n` +
      `--- server log tail:\n${this.server.logTail(15)}`);
  }

  /// The first unconsumed event named `name` (or one of an array of names)
  /// whose first argument satisfies `pred`; consumed (unless peek), and its
  /// first argument returned (the entry with {entry: true}).
  waitFor(name, pred, timeout = WAIT_MS, { peek = false, entry: wantEntry = false } = {}) {
    const names = [].concat(name);
    const match = (e) => !e.consumed && names.includes(e.name) && (!pred || pred(e.args[0]));
    const out = (e) => (wantEntry ? e : e.args[0]);
    const found = this.events.find(match);
    if (found) {
      if (!peek) found.consumed = true;
      return Promise.resolve(out(found));
    }
    const what = `${names.join('|')}${pred ? ` where ${brief(pred.toString(), 160)}` : ''}`;
    return new Promise((resolve, reject) => {
      const w = { match, peek, resolve: (e) => resolve(out(e)) };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this._failure(`no ${what} within ${timeout} ms`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /// Waits for `error` {code: code} and checks its exact keys.
  async expectError(code, timeout = WAIT_MS) {
    const err = await this.waitFor('error', (e) => e?.code === code, timeout);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message'], brief(err));
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    return err;
  }

  /// Fails if an unconsumed `name` event (satisfying pred) arrives within ms.
  async expectNone(name, ms = QUIET_MS, pred) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const stray = this.events.find((e) => !e.consumed && e.name === name && (!pred || pred(e.args[0])));
    if (stray) throw this._failure(`unexpected ${name} ${brief(stray.args)}`);
  }

  /// Every payload of `name` received so far (consumed or not).
  all(name) {
    return this.events.filter((e) => e.name === name).map((e) => e.args[0]);
  }

  emit(name, ...args) {
    this.socket.emit(name, ...args);
  }

  /// join-room {userId, userName}; resolves the user-joined this socket
  /// receives for that user.
  async join(userId, userName = 'Anyone') {
    this.emit('join-room', { userId, userName });
    return this.waitFor('user-joined', (d) => d?.userId === userId);
  }

  get connected() {
    return this.socket.connected;
  }

  /// The disconnect reason (waits for it).
  async waitClosed(timeout = WAIT_MS) {
    return this.waitFor('disconnect', undefined, timeout);
  }

  disconnect() {
    this.socket.disconnect();
  }

  terminate() {
    this.socket.disconnect();
    this.socket.io.engine?.close();
  }
}

/// Connects a StudySocket (see its options).
export function connectStudy(server, roomId, opts) {
  return StudySocket.connect(server, roomId, opts);
}

// -- raw Engine.IO / Socket.IO frames ------------------------------------------------

/// A raw WebSocket on /socket.io/ that opened the Engine.IO session and
/// CONNECTed to /public-room/:roomId. Frames are queued; Engine.IO pings and
/// the seed's `ping` events are answered. opts: localAddress.
export class RawStudyWs {
  static async open(server, roomId, { localAddress } = {}) {
    const raw = new RawStudyWs(server, localAddress);
    await raw.opened;
    const open = await raw.next();
    assert.match(open, /^0\{/, `Engine.IO open packet: ${open}`);
    raw.nsp = `/public-room/${roomId}`;
    raw.send(`40${raw.nsp},`);
    const connected = await raw.next();
    assert.match(connected, new RegExp(`^40${raw.nsp.replace(/[.]/g, '\\.')},\\{"sid":"[^"]+"\\}$`),
      `CONNECT answer: ${connected}`);
    return raw;
  }

  constructor(server, localAddress) {
    this.frames = [];
    this.queue = [];
    this.waiter = null;
    this.ws = new WebSocket(`${server.url}/socket.io/?EIO=4&transport=websocket`,
      { perMessageDeflate: false, localAddress });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data, isBinary) => {
      const frame = isBinary ? Buffer.from(data) : data.toString('utf8');
      this.frames.push(frame);
      // Engine.IO pings and the seed's `ping` event are answered, not queued.
      if (frame === '2') { this.send('3'); return; }
      if (this.nsp && frame === `42${this.nsp},["ping"]`) { this.send(`42${this.nsp},["pong"]`); return; }
      this.queue.push(frame);
      this.waiter?.();
    });
    this.ws.once('close', () => this.waiter?.());
  }

  send(data) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  async next(timeout = WAIT_MS) {
    const deadline = now() + timeout;
    for (;;) {
      if (this.queue.length > 0) return this.queue.shift();
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed; frames: ${brief(this.frames)}`);
      const left = deadline - now();
      if (left <= 0) throw new Error(`no frame within ${timeout} ms; frames: ${brief(this.frames)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); this.waiter = null; resolve(); };
      });
    }
  }

  /// Resolves {code, reason} once closed; fails after timeout.
  async expectClose(timeout = WAIT_MS) {
    let timer;
    const r = await Promise.race([this.closed,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); })]);
    clearTimeout(timer);
    if (!r) throw new Error(`still open after ${timeout} ms; frames: ${brief(this.frames)}`);
    return r;
  }

  terminate() {
    this.ws.terminate();
  }
}

/// Resolves once cond() is true (checked every 20 ms); fails after timeout
/// with `what` and the server's log tail.
export async function until(server, cond, what, timeout = WAIT_MS) {
  const deadline = now() + timeout;
  while (!(await cond())) {
    if (now() > deadline) throw new Error(`${what}: not within ${timeout} ms\n${server.logTail(15)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/// Polls the database until `query` returns rows satisfying `pred` (a
/// write the server makes after the event a test saw). Returns the rows.
export async function sqlUntil(server, query, pred, timeout = WAIT_MS) {
  const deadline = now() + timeout;
  let rows;
  for (;;) {
    rows = await server.sql(query);
    if (pred(rows)) return rows;
    if (now() > deadline) {
      throw new Error(`${query}: rows never satisfied ${pred}: ${brief(rows, 800)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
