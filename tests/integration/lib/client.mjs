// A WebSocket client that records every message, for tests that wait for
// events instead of sleeping.

import WebSocket from 'ws';

/// How long a test waits for an expected message unless told otherwise.
export const DEFAULT_TIMEOUT_MS = 5000;
/// How long a test watches for a message that must not come.
export const QUIET_MS = 300;

/// A message or value as one line of at most `max` characters.
export function brief(value, max = 300) {
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  if (s === undefined) s = String(value);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function describeMatch(type, where) {
  const t = Array.isArray(type) ? type.join('|') : (type ?? 'any message');
  return where ? `${t} where ${brief(where.toString(), 200)}` : t;
}

/// A WebSocket client that records every message. Messages are consumed by
/// next() in arrival order, so a test can wait for events in any order
/// without racing the server.
export class Client {
  /// Resolves once open; rejects with err.statusCode set when the server
  /// answers the upgrade with an HTTP error.
  static connect(server, opts = {}) {
    const pathPart = opts.path ?? '/ws';
    const query = opts.token !== undefined ? `?token=${encodeURIComponent(opts.token)}` : '';
    const url = `${server.url}${pathPart}${query}`;
    const ws = new WebSocket(url, {
      headers: opts.headers,
      // Plain frames: sizes on the wire are what the tests say they are.
      perMessageDeflate: false,
      handshakeTimeout: DEFAULT_TIMEOUT_MS,
    });
    const client = new Client(ws, server, opts.label ?? 'client');
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          const err = new Error(`upgrade to ${url} refused with HTTP ${res.statusCode}: ${brief(body)}`);
          err.statusCode = res.statusCode;
          err.body = body;
          client.terminate();
          reject(err);
        });
        res.on('error', () => {});
      });
      ws.once('error', (err) => reject(new Error(`connecting to ${url}: ${err.message}`)));
    });
  }

  constructor(ws, server, label) {
    this.ws = ws;
    this.server = server;
    this.label = label;
    /// Every message received: {msg, at, consumed}.
    this.received = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => { this._resolveClosed = resolve; });
    server.clients.add(this);
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    ws.on('close', (code, reason) => this._onClose(code, reason.toString('utf8')));
    // Errors (e.g. ECONNRESET) are followed by 'close'; keep them for messages.
    ws.on('error', (err) => { this.lastError = err; });
  }

  _onMessage(data, isBinary) {
    let msg;
    if (isBinary) {
      msg = { type: '<binary frame>', bytes: data.length };
    } else {
      try {
        msg = JSON.parse(data.toString('utf8'));
      } catch {
        msg = { type: '<not JSON>', raw: data.toString('utf8') };
      }
    }
    const entry = { msg, at: Date.now(), consumed: false };
    this.received.push(entry);
    for (let i = 0; i < this.waiters.length; i += 1) {
      const w = this.waiters[i];
      if (w.match(msg)) {
        entry.consumed = true;
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(msg);
        return;
      }
    }
  }

  _onClose(code, reason) {
    this.closeInfo = { code, reason };
    this.server.clients.delete(this);
    const waiters = this.waiters.splice(0);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(this._failure(`the connection closed (code ${code}, reason "${reason}") ` +
        `before ${w.what} arrived`, w.origin));
    }
    this._resolveClosed(this.closeInfo);
  }

  /// An Error listing what this client received and the server's last log
  /// lines. `origin` (an Error made where the test waited) supplies the stack.
  _failure(text, origin) {
    const got = this.received.map((e) =>
      `  ${e.consumed ? ' ' : '*'} ${brief(e.msg)}`).join('\n') || '  (nothing)';
    const err = new Error(`[${this.label}] ${text}\n` +
      `received (* = not yet consumed):\n${got}\n` +
      `--- server log tail:\n${this.server.logTail(15)}`);
    if (origin) err.stack = `${err.message}\n${origin.stack.split('\n').slice(1).join('\n')}`;
    return err;
  }

  /// Sends one JSON message.
  send(obj) {
    this.ws.send(JSON.stringify(obj));
  }

  /// Sends a raw frame. A string goes as text; a Buffer goes as binary unless
  /// opts.binary is false (then its bytes go in a text frame, unchecked).
  sendRaw(data, opts = {}) {
    this.ws.send(data, { binary: opts.binary ?? typeof data !== 'string' });
  }

  /// Waits for the first not-yet-consumed message of `type` (a string, an
  /// array of types, or null for any) that satisfies `where`, consumes it and
  /// returns it. Fails after `timeout` ms, or at once when the connection
  /// closes, listing everything received.
  next(type, { timeout = DEFAULT_TIMEOUT_MS, where } = {}) {
    const types = type == null ? null : [].concat(type);
    const match = (m) => (!types || types.includes(m?.type)) && (!where || where(m));
    const entry = this.received.find((e) => !e.consumed && match(e.msg));
    if (entry) {
      entry.consumed = true;
      return Promise.resolve(entry.msg);
    }
    const what = describeMatch(type, where);
    if (this.closeInfo) {
      return Promise.reject(this._failure(`waiting for ${what}, but the connection ` +
        `is closed (code ${this.closeInfo.code}, reason "${this.closeInfo.reason}")`));
    }
    // Capture the stack here, where the test waits, not in the timer.
    const origin = new Error();
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve, reject, what, origin };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(this._failure(`no ${what} within ${timeout} ms`, origin));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /// Waits for the next ERROR and checks its code (and requestType if given).
  async expectError(code, { requestType, timeout } = {}) {
    const m = await this.next('ERROR', { timeout });
    if (m.code !== code || (requestType !== undefined && m.requestType !== requestType)) {
      throw this._failure(`expected ERROR ${code}` +
        `${requestType !== undefined ? ` for ${requestType}` : ''}, got ${brief(m)}`);
    }
    if (typeof m.message !== 'string' || m.message.length === 0) {
      throw this._failure(`ERROR ${code} has no message: ${brief(m)}`);
    }
    return m;
  }

  /// Watches for `ms` and fails if a not-yet-consumed message of `type`
  /// (matching `where`) is or becomes present.
  async expectNone(type, ms = QUIET_MS, { where } = {}) {
    const types = type == null ? null : [].concat(type);
    const match = (m) => (!types || types.includes(m?.type)) && (!where || where(m));
    await new Promise((resolve) => setTimeout(resolve, ms));
    const bad = this.received.find((e) => !e.consumed && match(e.msg));
    if (bad) {
      throw this._failure(`expected no ${describeMatch(type, where)} within ${ms} ms, ` +
        `got ${brief(bad.msg)}`);
    }
  }

  /// All messages of `type` received so far (consumed or not).
  all(type) {
    return this.received.filter((e) => e.msg?.type === type).map((e) => e.msg);
  }

  /// Marks every buffered message of `type` as consumed; returns them.
  drain(type) {
    const out = [];
    for (const e of this.received) {
      if (!e.consumed && (type == null || e.msg?.type === type)) {
        e.consumed = true;
        out.push(e.msg);
      }
    }
    return out;
  }

  /// HEARTBEAT → HEARTBEAT_ACK round trip: proves this connection is served.
  async ping({ timeout } = {}) {
    this.send({ type: 'HEARTBEAT' });
    return this.next('HEARTBEAT_ACK', { timeout });
  }

  /// Sends a message and waits for a reply of `type` (or an ERROR, which fails).
  async request(obj, type, { timeout, where } = {}) {
    this.send(obj);
    const m = await this.next([type, 'ERROR'], {
      timeout, where: (x) => x.type === 'ERROR' || !where || where(x),
    });
    if (m.type === 'ERROR') {
      throw this._failure(`${obj.type} was answered with ${brief(m)} instead of ${type}`);
    }
    return m;
  }

  /// GET_ROOM_STATUS → the ROOM_STATUS data.
  async status(roomId) {
    const m = await this.request({ type: 'GET_ROOM_STATUS', ...(roomId ? { roomId } : {}) },
      'ROOM_STATUS');
    return m.data;
  }

  /// Waits for the close; fails after `timeout`.
  async waitClosed({ timeout = DEFAULT_TIMEOUT_MS } = {}) {
    let timer;
    const result = await Promise.race([
      this.closed,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); }),
    ]);
    clearTimeout(timer);
    if (!result) throw this._failure(`the connection was not closed within ${timeout} ms`);
    return result;
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(code = 1000, reason = '') {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
    return this.closed;
  }

  /// Drops the TCP connection without a close frame (a network failure).
  terminate() {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    return this.closed;
  }
}

/// Opens a connection and expects the upgrade to be refused; returns the
/// HTTP status code.
export async function expectHandshakeRefused(server, opts) {
  try {
    const c = await Client.connect(server, opts);
    c.terminate();
  } catch (err) {
    if (err.statusCode) return err.statusCode;
    throw err;
  }
  throw new Error(`the upgrade with ${brief(opts)} was accepted; expected an HTTP error`);
}
