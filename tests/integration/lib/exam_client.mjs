// Live exam monitoring (seed 004): proctord started with exam options, the
// REST API (/api/exams), and the stock socket.io-client on namespace "/"
// at /socket.io/ (`io(url, {auth: {token}})`) that records every event in
// arrival order, with the offset the server appends to logged events.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { brief, QUIET_MS } from './client.mjs';
import { rest, WAIT_MS } from './study_client.mjs';

export { rest, expectHttpError, isIso, isRecentIso, until } from './study_client.mjs';
export { WAIT_MS };

const execFileP = promisify(execFile);

export function teacherToken(server, sub = 'teacher-1', name = 'Tea Cher') {
  return server.token(sub, name, { role: 'teacher' });
}

export function studentToken(server, sub, name = `Student ${sub}`) {
  return server.token(sub, name, { role: 'student' });
}

/// POST /api/exams as a teacher → the exam id (201 asserted).
export async function createExam(server, body = { title: 'Final', durationMinutes: 30, questionCount: 5 },
  token = teacherToken(server)) {
  const r = await rest(server, 'POST', '/api/exams', { token, body });
  assert.equal(r.status, 201, `POST /api/exams: ${r.status} ${brief(r.body)}`);
  assert.deepEqual(Object.keys(r.body), ['examId']);
  return r.body.examId;
}

/// GET /api/exams/:id/results as a teacher → the body (200 asserted).
export async function examResults(server, examId, token = teacherToken(server)) {
  const r = await rest(server, 'GET', `/api/exams/${examId}/results`, { token });
  assert.equal(r.status, 200, `GET results: ${r.status} ${brief(r.body)}`);
  return r.body;
}

/// One query on the server's SQLite file, opened read-only by the sqlite3
/// CLI (a second process: it sees only what was committed).
export async function readDb(server, query) {
  const { stdout } = await execFileP('sqlite3',
    ['-readonly', '-json', '-cmd', '.timeout 5000', server.db, query]);
  return stdout.trim() === '' ? [] : JSON.parse(stdout);
}

/// A socket.io-client socket on "/" (its own Manager) that records every
/// event as {name, payload, offset, at}. opts: token (required),
/// transports (null: the client's default, polling then WebSocket),
/// reconnection (default true, as the stock client), label, url.
export class ExamSocket {
  constructor(server, opts) {
    this.server = server;
    this.label = opts.label ?? 'exam socket';
    this.events = [];
    this.waiters = [];
    const ioOpts = { forceNew: true, auth: { token: opts.token }, timeout: WAIT_MS };
    if (opts.transports) ioOpts.transports = opts.transports;
    if (opts.reconnection === false) ioOpts.reconnection = false;
    this.socket = io(`${opts.url ?? server.httpUrl}/`, ioOpts);
    server.clients.add(this);
    this.socket.onAny((name, ...args) => this._record(name, args));
    for (const name of ['connect', 'disconnect', 'connect_error']) {
      this.socket.on(name, (...args) => this._record(name, args));
    }
  }

  static async connect(server, opts) {
    const s = new ExamSocket(server, opts);
    const first = await s.waitFor(['connect', 'connect_error'], undefined, WAIT_MS, { entry: true });
    if (first.name === 'connect_error') throw s._failure(`connect_error: ${first.payload?.message}`);
    return s;
  }

  _record(name, args) {
    const offset = args.length > 1 && typeof args[args.length - 1] === 'string'
      ? args[args.length - 1] : undefined;
    const entry = { name, payload: args[0], offset, at: Date.now(), consumed: false };
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
    const got = this.events.map((e) => `  ${e.consumed ? ' ' : '*'} ${e.name} ${brief(e.payload, 300)}` +
      `${e.offset ? ` @${e.offset}` : ''}`).slice(-40).join('\n') || '  (nothing)';
    return new Error(`[${this.label}] ${text}\nreceived (* = not yet consumed, last 40):\n${got}\n` +
      `--- server log tail:\n${this.server.logTail(15)}`);
  }

  /// The first unconsumed event named `name` (or one of several) whose
  /// payload satisfies `pred`, consumed; its payload (the entry with
  /// {entry: true}).
  waitFor(name, pred, timeout = WAIT_MS, { entry: wantEntry = false } = {}) {
    const names = [].concat(name);
    const match = (e) => !e.consumed && names.includes(e.name) && (!pred || pred(e.payload));
    const out = (e) => (wantEntry ? e : e.payload);
    const found = this.events.find(match);
    if (found) {
      found.consumed = true;
      return Promise.resolve(out(found));
    }
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (e) => resolve(out(e)) };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this._failure(`no ${names.join('|')} within ${timeout} ms`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /// Waits for exam-error {code} with exactly {code, message}.
  async expectError(code, timeout = WAIT_MS) {
    const err = await this.waitFor('exam-error', (e) => e?.code === code, timeout);
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message'], brief(err));
    assert.ok(err.message.length > 0);
    return err;
  }

  /// Fails if an unconsumed `name` event arrives within ms.
  async expectNone(name, ms = QUIET_MS, pred) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const stray = this.events.find((e) => !e.consumed && e.name === name && (!pred || pred(e.payload)));
    if (stray) throw this._failure(`unexpected ${name} ${brief(stray.payload)}`);
  }

  /// Every entry named `name` (or every entry) received so far.
  all(name) {
    return this.events.filter((e) => name === undefined || e.name === name);
  }

  /// The offsets of the logged events received so far, as numbers.
  offsets() {
    return this.events.filter((e) => e.offset !== undefined).map((e) => Number(e.offset));
  }

  emit(name, ...args) {
    this.socket.emit(name, ...args);
  }

  emitWithAck(name, payload) {
    return this.socket.timeout(WAIT_MS).emitWithAck(name, payload);
  }

  /// join-exam-session → exam-session-joined.
  async join(examId, extra = {}) {
    this.emit('join-exam-session', {
      examId, deviceInfo: { os: 'Linux', browser: 'node' }, networkInfo: { type: 'ethernet' }, ...extra,
    });
    return this.waitFor('exam-session-joined', (d) => d?.examId === examId);
  }

  /// join-monitoring → monitoring-joined.
  async monitor(examId) {
    this.emit('join-monitoring', { examId });
    return this.waitFor('monitoring-joined', (d) => d?.examId === examId);
  }

  terminate() {
    this.socket.disconnect();
    this.socket.io.engine?.close();
  }
}

export function connectExam(server, opts) {
  return ExamSocket.connect(server, opts);
}

const SESSION_KEYS = ['answeredCount', 'connected', 'deviceInfo', 'endsAt', 'lastQuestionId',
  'lastSeenAt', 'name', 'networkInfo', 'sessionId', 'startedAt', 'status', 'studentId'];

/// A StudentSession with exactly its members.
export function checkSession(s, studentId, { status, connected, answeredCount } = {}) {
  assert.deepEqual(Object.keys(s).sort(), SESSION_KEYS, brief(s));
  assert.equal(s.studentId, studentId);
  if (status !== undefined) assert.equal(s.status, status, brief(s));
  if (connected !== undefined) assert.equal(s.connected, connected, brief(s));
  if (answeredCount !== undefined) assert.equal(s.answeredCount, answeredCount, brief(s));
  return s;
}

/// Offsets strictly increasing: each logged event once, in order.
export function checkOnceInOrder(offsets, what) {
  for (let i = 1; i < offsets.length; i += 1) {
    assert.ok(offsets[i] > offsets[i - 1], `${what}: offsets ${offsets.join(',')}`);
  }
}
