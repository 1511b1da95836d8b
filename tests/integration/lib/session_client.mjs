// Collaborative sessions (seed 003): the stock socket.io-client on namespace
// "/" of /api/socket, as the seed's client connects
// (`io(url, {path: '/api/socket', auth: {token}})`), recording every event in
// arrival order with its offset (the last string argument of a logged event,
// connection state recovery's).

import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { brief, QUIET_MS } from './client.mjs';

/// How long a test waits for an expected event.
export const WAIT_MS = 8000;

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PARTICIPANT_KEYS = ['cursor', 'isActive', 'joinedAt', 'name', 'role', 'userId'];

/// A ParticipantInfo with exactly the seed's members.
export function checkParticipant(p, { userId, name, role, isActive = true } = {}) {
  assert.deepEqual(Object.keys(p).sort(), PARTICIPANT_KEYS, brief(p));
  if (userId !== undefined) assert.equal(p.userId, userId, brief(p));
  if (name !== undefined) assert.equal(p.name, name, brief(p));
  if (role !== undefined) assert.equal(p.role, role, brief(p));
  assert.equal(p.isActive, isActive, brief(p));
  assert.ok(p.cursor === null || (Number.isInteger(p.cursor.line) && Number.isInteger(p.cursor.column)),
    brief(p));
  assert.match(p.joinedAt, ISO_RE);
  return p;
}

/// The user ids of a participants array.
export const idsOf = (participants) => participants.map((p) => p.userId);

/// A socket.io-client socket on "/" of /api/socket. Reconnection is off by
/// default, so that a test decides when a dropped socket comes back
/// (`reconnect()`: the stock client then sends its pid and offset).
///
/// opts: token, transports (null for the client's default), label,
/// reconnection (false).
export class SessionSocket {
  constructor(server, opts = {}) {
    this.server = server;
    this.user = opts.user;
    this.label = opts.label ?? opts.user ?? 'session socket';
    this.events = [];
    this.waiters = [];
    const ioOpts = {
      path: '/api/socket',
      forceNew: true,
      reconnection: opts.reconnection ?? false,
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
      timeout: WAIT_MS,
    };
    if (opts.token !== undefined) ioOpts.auth = { token: opts.token };
    if (opts.transports) ioOpts.transports = opts.transports;
    this.socket = io(server.httpUrl, ioOpts);
    server.clients.add(this);
    this.socket.onAny((name, ...args) => this._record(name, args));
    for (const name of ['connect', 'disconnect', 'connect_error']) {
      this.socket.on(name, (...args) => this._record(name, args));
    }
  }

  /// Connects and waits for `connect` (fails on connect_error).
  static async connect(server, opts = {}) {
    const s = new SessionSocket(server, opts);
    await s.connected();
    return s;
  }

  async connected() {
    const e = await this.waitFor(['connect', 'connect_error'], undefined, WAIT_MS, { entry: true });
    if (e.name === 'connect_error') throw this._failure(`connect_error: ${e.args[0]?.message}`);
  }

  _record(name, args) {
    const last = args[args.length - 1];
    const logged = args.length > 1 && typeof last === 'string';
    const entry = {
      name, args, data: args[0], offset: logged ? last : null, at: Date.now(), consumed: false,
    };
    this.events.push(entry);
    for (let i = 0; i < this.waiters.length; i += 1) {
      const w = this.waiters[i];
      if (w.match(entry)) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        entry.consumed = true;
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

  /// The first unconsumed event named `name` (or one of several) whose
  /// first argument satisfies `pred`; consumed, and its first argument
  /// returned (the whole entry with {entry: true}).
  waitFor(name, pred, timeout = WAIT_MS, { entry: wantEntry = false } = {}) {
    const names = [].concat(name);
    const match = (e) => !e.consumed && names.includes(e.name) && (!pred || pred(e.args[0]));
    const out = (e) => (wantEntry ? e : e.args[0]);
    const found = this.events.find(match);
    if (found) {
      found.consumed = true;
      return Promise.resolve(out(found));
    }
    const what = `${names.join('|')}${pred ? ` where ${brief(pred.toString(), 160)}` : ''}`;
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (e) => resolve(out(e)) };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this._failure(`no ${what} within ${timeout} ms`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /// Waits for `error` {code} with exactly {code, message}.
  async expectError(code) {
    const err = await this.waitFor('error', (e) => e?.code === code);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message'], brief(err));
    assert.ok(typeof err.message === 'string' && err.message.length > 0);
    return err;
  }

  /// Fails if an unconsumed `name` event (satisfying pred) arrives within ms.
  async expectNone(name, ms = QUIET_MS, pred) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const stray = this.events.find((e) => !e.consumed && e.name === name && (!pred || pred(e.args[0])));
    if (stray) throw this._failure(`unexpected ${name} ${brief(stray.args)}`);
  }

  /// Every entry named `name` so far (consumed or not).
  entries(name) {
    return this.events.filter((e) => e.name === name);
  }

  /// The entries received after the `since`-th one (for what came with a
  /// recovery).
  after(since) {
    return this.events.slice(since);
  }

  emit(name, ...args) {
    this.socket.emit(name, ...args);
  }

  /// join-session as the seed's client sends it; resolves session-joined.
  async join(sessionId, userInfo = {}) {
    this.emit('join-session', { sessionId, userInfo });
    return this.waitFor('session-joined', (d) => d?.sessionId === sessionId);
  }

  /// The transport drops (as a network failure would): no DISCONNECT packet.
  dropTransport() {
    this.socket.io.engine.close();
    return this.waitFor('disconnect');
  }

  /// Connects again after a drop; the stock client sends its pid and last
  /// offset. Resolves once connected.
  async reconnect() {
    this.socket.connect();
    await this.connected();
  }

  get recovered() {
    return this.socket.recovered;
  }

  get id() {
    return this.socket.id;
  }

  disconnect() {
    this.socket.disconnect();
  }

  terminate() {
    this.socket.io.reconnection(false);
    this.socket.disconnect();
    this.socket.io.engine?.close();
  }
}

/// Connects a SessionSocket for `sub` with a token of `role`.
export function connectAs(server, sub, role, opts = {}) {
  const token = server.token(sub, opts.name ?? `Name ${sub}`, { role });
  return SessionSocket.connect(server, { token, user: sub, label: sub, ...opts });
}
