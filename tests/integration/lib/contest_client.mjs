// The contest dialect (seed 001): a WebSocket client on /ws/contest that
// records every frame with its receive time, the HTTP API, and checks of
// every server event's exact shape (protocol/README.md, "Contest dialect").

import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import WebSocket from 'ws';
import { brief, DEFAULT_TIMEOUT_MS, QUIET_MS } from './client.mjs';
import { startServer } from './server.mjs';
import { now, rebase } from './clock.mjs';

export const CONTEST_PATH = '/ws/contest';

/// A contest-dialect client. Frames are `{event, data, timestamp}`; every
/// one received is kept in `received` as {msg, at (now() on receipt),
/// consumed}. next()/waitFor() consume in arrival order.
export class ContestClient {
  /// Resolves once the WebSocket is open (a refused token is still opened,
  /// then closed by the server: see refusal()). opts: token (as ?token=),
  /// headers, label, path.
  static connect(server, opts = {}) {
    const query = opts.token !== undefined ? `?token=${encodeURIComponent(opts.token)}` : '';
    const url = `${server.url}${opts.path ?? CONTEST_PATH}${query}`;
    const ws = new WebSocket(url, {
      headers: opts.headers,
      perMessageDeflate: false,
      handshakeTimeout: DEFAULT_TIMEOUT_MS,
      maxPayload: 64 * 1024 * 1024,
    });
    const client = new ContestClient(ws, server, opts.label ?? 'contest client');
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (req, res) => {
        client.terminate();
        const err = new Error(`upgrade to ${url} refused with HTTP ${res.statusCode}`);
        err.statusCode = res.statusCode;
        reject(err);
      });
      ws.once('error', (err) => reject(new Error(`connecting to ${url}: ${err.message}`)));
    });
  }

  /// Connects and waits for the server to close: → {code, reason, frames}.
  static async refusal(server, opts = {}, timeout = DEFAULT_TIMEOUT_MS) {
    const c = await ContestClient.connect(server, opts);
    const info = await c.waitClosed({ timeout });
    return { ...info, frames: c.received.map((e) => e.msg) };
  }

  constructor(ws, server, label) {
    this.ws = ws;
    this.server = server;
    this.label = label;
    this.received = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => { this._resolveClosed = resolve; });
    server.clients.add(this);
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    ws.on('close', (code, reason) => this._onClose(code, reason.toString('utf8')));
    ws.on('error', (err) => { this.lastError = err; });
  }

  _onMessage(data, isBinary) {
    const at = now();
    let msg;
    if (isBinary) msg = { event: '<binary frame>', bytes: data.length };
    else {
      try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { event: '<not JSON>', raw: data.toString('utf8') }; }
    }
    const entry = { msg, at, consumed: false };
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
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this._failure(`the connection closed (code ${code}, "${reason}") before ${w.what}`, w.origin));
    }
    this._resolveClosed(this.closeInfo);
  }

  _failure(text, origin) {
    const got = this.received.map((e) => `  ${e.consumed ? ' ' : '*'} ${brief(e.msg, 400)}`)
      .slice(-60).join('\n') || '  (nothing)';
    const err = new Error(`[${this.label}] ${text}\nreceived (* = not yet consumed, last 60):\n${got}\n` +
      `--- server log tail:\n${this.server.logTail(15)}`);
    if (origin) err.stack = `${err.message}\n${origin.stack.split('\n').slice(1).join('\n')}`;
    return err;
  }

  /// Sends {event, data}; data omitted when undefined.
  send(event, data) {
    this.ws.send(JSON.stringify(data === undefined ? { event } : { event, data }));
  }

  sendRaw(data, opts = {}) {
    this.ws.send(data, { binary: opts.binary ?? typeof data !== 'string' });
  }

  /// The first unconsumed frame of `event` (a name, an array, or null for
  /// any) satisfying `where`; consumed and returned.
  next(event, { timeout = DEFAULT_TIMEOUT_MS, where } = {}) {
    const names = event == null ? null : [].concat(event);
    const match = (m) => (!names || names.includes(m?.event)) && (!where || where(m));
    const entry = this.received.find((e) => !e.consumed && match(e.msg));
    if (entry) {
      entry.consumed = true;
      return Promise.resolve(entry.msg);
    }
    const what = `${names ? names.join('|') : 'any frame'}${where ? ` where ${brief(where.toString(), 160)}` : ''}`;
    if (this.closeInfo) {
      return Promise.reject(this._failure(`waiting for ${what}, but the connection is closed ` +
        `(code ${this.closeInfo.code})`));
    }
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

  /// next(event) whose data satisfies pred(data, frame).
  waitFor(event, pred, opts = {}) {
    return this.next(event, { ...opts, where: pred ? (m) => pred(m.data, m) : undefined });
  }

  /// The receive time of a frame object returned by next().
  receivedAt(msg) {
    const e = this.received.find((x) => x.msg === msg);
    if (!e) throw new Error('receivedAt(): not a frame of this client');
    return e.at;
  }

  /// Every entry {msg, at} of `event` received so far (consumed or not).
  frames(event) {
    return this.received.filter((e) => event == null || e.msg?.event === event);
  }

  all(event) {
    return this.frames(event).map((e) => e.msg);
  }

  /// Marks every unconsumed frame of `event` (null: any) as consumed; → them.
  drain(event) {
    const out = [];
    for (const e of this.received) {
      if (!e.consumed && (event == null || e.msg?.event === event)) {
        e.consumed = true;
        out.push(e.msg);
      }
    }
    return out;
  }

  /// Waits for the next error frame and checks its code.
  async expectError(code, opts = {}) {
    const m = await this.next('error', opts);
    if (m.data?.code !== code) throw this._failure(`expected error ${code}, got ${brief(m)}`);
    checkFrame(m);
    return m;
  }

  async expectNone(event, ms = QUIET_MS, { where } = {}) {
    const names = event == null ? null : [].concat(event);
    await new Promise((resolve) => setTimeout(resolve, ms));
    const bad = this.received.find((e) => !e.consumed && (!names || names.includes(e.msg?.event)) &&
      (!where || where(e.msg)));
    if (bad) throw this._failure(`expected no ${names?.join('|') ?? 'frame'} within ${ms} ms, got ${brief(bad.msg)}`);
  }

  /// ping → pong: proves the connection is still served.
  async ping(opts = {}) {
    this.send('ping', {});
    const m = await this.next('pong', opts);
    checkFrame(m);
    return m;
  }

  /// join_contest and wait for its contest_state.
  async join(contestId, opts = {}) {
    this.send('join_contest', { contestId });
    return this.next(['contest_state', 'error'], opts).then((m) => {
      if (m.event === 'error') throw this._failure(`join_contest ${contestId} answered ${brief(m)}`);
      return m;
    });
  }

  /// submit_answer and wait for the submission_result for that question or
  /// an error. Resolves the frame (either).
  submit(contestId, questionId, answer, idempotencyKey, opts = {}) {
    const data = { contestId, questionId, answer };
    if (idempotencyKey !== undefined) data.idempotencyKey = idempotencyKey;
    this.send('submit_answer', data);
    return this.next(['submission_result', 'error'], {
      ...opts,
      where: (m) => m.event === 'error' || m.data?.questionId === questionId,
    });
  }

  async waitClosed({ timeout = DEFAULT_TIMEOUT_MS } = {}) {
    let timer;
    const r = await Promise.race([this.closed,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); })]);
    clearTimeout(timer);
    if (!r) throw this._failure(`not closed within ${timeout} ms`);
    return r;
  }

  get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

  close(code = 1000) {
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(code);
    return this.closed;
  }

  terminate() {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    return this.closed;
  }
}

/// Connects a contest client for `sub` (extra token opts: role, ...).
export function connectContest(server, sub, name, tokenOpts = {}, opts = {}) {
  return ContestClient.connect(server, { token: server.token(sub, name, tokenOpts), label: sub, ...opts });
}

// -- HTTP ----------------------------------------------------------------------

/// One HTTP request → {status, body (parsed JSON, or the text), headers}.
export async function api(server, method, path, { token, body, rawBody, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  let payload;
  if (rawBody !== undefined) payload = rawBody;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(`${server.httpUrl}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

export function adminToken(server, sub = 'admin-1') {
  return server.token(sub, 'Ada Admin', { role: 'admin' });
}

/// POST /api/contests as an admin; asserts 201 and returns the contestId.
export async function createContest(server, def, token = adminToken(server)) {
  // The contest's clock is anchored when it is created; so is now(). (A test
  // that computes a startTime anchors just before it, so that `def` and the
  // contest share a frame too.)
  rebase();
  const r = await api(server, 'POST', '/api/contests', { token, body: def });
  assert.equal(r.status, 201, `POST /api/contests: ${r.status} ${brief(r.body)}`);
  assert.equal(typeof r.body.contestId, 'string');
  assert.ok(r.body.contestId.length > 0);
  return r.body.contestId;
}

/// POST /api/contests/:id/<action> as an admin → {status, body}.
export function lifecycle(server, contestId, action, token = adminToken(server)) {
  return api(server, 'POST', `/api/contests/${encodeURIComponent(contestId)}/${action}`, { token });
}

// -- shapes --------------------------------------------------------------------

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isIso(v) {
  return typeof v === 'string' && ISO_RE.test(v) && !Number.isNaN(Date.parse(v)) &&
    new Date(Date.parse(v)).toISOString() === v;
}

const isInt = (v) => Number.isInteger(v);
const isStr = (v) => typeof v === 'string';
const nonEmpty = (v) => typeof v === 'string' && v.length > 0;

function keysExactly(obj, keys, what) {
  assert.ok(obj !== null && typeof obj === 'object' && !Array.isArray(obj), `${what} is not an object: ${brief(obj)}`);
  assert.deepEqual(Object.keys(obj), keys, `${what}: members (in order) ${brief(obj, 600)}`);
}

function checkStanding(s, what) {
  keysExactly(s, ['rank', 'userId', 'username', 'score'], what);
  assert.ok(isInt(s.rank) && s.rank >= 1, `${what}.rank: ${brief(s)}`);
  assert.ok(nonEmpty(s.userId), `${what}.userId`);
  assert.ok(isStr(s.username), `${what}.username`);
  assert.ok(isInt(s.score), `${what}.score`);
}

function checkStandings(list, what) {
  assert.ok(Array.isArray(list), `${what} is not an array`);
  list.forEach((s, i) => checkStanding(s, `${what}[${i}]`));
  // Competition ranking: sorted, first is 1, a rank is its 1-based position
  // unless it ties the one before.
  list.forEach((s, i) => {
    if (i > 0) {
      assert.ok(s.score <= list[i - 1].score, `${what} not sorted by score: ${brief(list, 800)}`);
      assert.ok(s.rank === list[i - 1].rank || s.rank === i + 1 + (list[0].rank - 1),
        `${what}[${i}] rank ${s.rank} is not a competition rank: ${brief(list, 800)}`);
      if (s.rank === list[i - 1].rank) assert.equal(s.score, list[i - 1].score, `${what}: tie with different scores`);
    }
  });
}

function checkYou(you, what) {
  keysExactly(you, ['rank', 'score'], what);
  assert.ok(you.rank === null || (isInt(you.rank) && you.rank >= 1), `${what}.rank: ${brief(you)}`);
  assert.ok(isInt(you.score), `${what}.score: ${brief(you)}`);
}

/// Checks a question_broadcast data object (also contest_state's and GET's
/// currentQuestion).
export function checkQuestion(q, what = 'question') {
  keysExactly(q, ['contestId', 'questionId', 'index', 'text', 'options', 'points', 'timeLimit', 'endsAt'], what);
  assert.ok(nonEmpty(q.contestId) && nonEmpty(q.questionId), `${what} ids`);
  assert.ok(isInt(q.index) && q.index >= 1, `${what}.index`);
  assert.ok(nonEmpty(q.text), `${what}.text`);
  assert.ok(q.options === null || (Array.isArray(q.options) && q.options.every(nonEmpty)), `${what}.options`);
  assert.ok(isInt(q.points) && isInt(q.timeLimit), `${what}.points/timeLimit`);
  assert.ok(q.endsAt === null || isIso(q.endsAt), `${what}.endsAt: ${brief(q.endsAt)}`);
}

const DATA_CHECKS = {
  contest_start(d, w) {
    keysExactly(d, ['contestId', 'title', 'startTime', 'totalQuestions', 'estimatedDuration'], w);
    assert.ok(nonEmpty(d.contestId) && nonEmpty(d.title), w);
    assert.ok(isIso(d.startTime), `${w}.startTime ${d.startTime}`);
    assert.ok(isInt(d.totalQuestions) && isInt(d.estimatedDuration), w);
  },
  question_broadcast(d, w) {
    checkQuestion(d, w); // endsAt: ISO, or null when not scheduled (paused)
  },
  timer_update(d, w) {
    keysExactly(d, ['contestId', 'questionId', 'remaining', 'endsAt'], w);
    assert.ok(isInt(d.remaining) && d.remaining >= 0, `${w}.remaining`);
    assert.ok(d.endsAt === null || isIso(d.endsAt), `${w}.endsAt`);
  },
  question_change(d, w) {
    keysExactly(d, ['contestId', 'previousQuestionId', 'nextQuestionId'], w);
    assert.ok(nonEmpty(d.previousQuestionId), w);
    assert.ok(d.nextQuestionId === null || nonEmpty(d.nextQuestionId), w);
  },
  submission_result(d, w) {
    keysExactly(d, ['contestId', 'questionId', 'accepted', 'correct', 'pointsAwarded', 'totalScore'], w);
    assert.equal(typeof d.accepted, 'boolean', w);
    assert.equal(typeof d.correct, 'boolean', w);
    assert.ok(isInt(d.pointsAwarded) && isInt(d.totalScore), w);
  },
  leaderboard_update(d, w) {
    keysExactly(d, ['contestId', 'top', 'totalParticipants', 'you'], w);
    checkStandings(d.top, `${w}.top`);
    assert.ok(isInt(d.totalParticipants), w);
    checkYou(d.you, `${w}.you`);
  },
  contest_paused(d, w) {
    keysExactly(d, ['contestId', 'remaining'], w);
    assert.ok(isInt(d.remaining), w);
  },
  contest_resumed(d, w) {
    keysExactly(d, ['contestId', 'remaining'], w);
    assert.ok(isInt(d.remaining), w);
  },
  contest_end(d, w) {
    keysExactly(d, ['contestId', 'endTime', 'standings', 'you'], w);
    assert.ok(isIso(d.endTime), `${w}.endTime`);
    checkStandings(d.standings, `${w}.standings`);
    checkYou(d.you, `${w}.you`);
  },
  contest_state(d, w) {
    keysExactly(d, ['contestId', 'title', 'status', 'currentQuestion', 'remaining', 'totalQuestions', 'you', 'top'], w);
    assert.ok(['UPCOMING', 'ACTIVE', 'PAUSED', 'COMPLETED'].includes(d.status), `${w}.status`);
    if (d.currentQuestion !== null) checkQuestion(d.currentQuestion, `${w}.currentQuestion`);
    assert.ok(isInt(d.remaining) && isInt(d.totalQuestions), w);
    keysExactly(d.you, ['rank', 'score', 'answered'], `${w}.you`);
    assert.ok(d.you.rank === null || isInt(d.you.rank), `${w}.you.rank`);
    assert.ok(isInt(d.you.score), `${w}.you.score`);
    assert.ok(Array.isArray(d.you.answered) && d.you.answered.every(nonEmpty), `${w}.you.answered`);
    checkStandings(d.top, `${w}.top`);
  },
  error(d, w) {
    keysExactly(d, ['code', 'message'], w);
    assert.ok(nonEmpty(d.code) && nonEmpty(d.message), w);
  },
  pong(d, w) {
    keysExactly(d, [], w);
  },
};

/// Checks a server frame: {event, data, timestamp} (in that order), a known
/// event, its data's exact members and types, ISO times.
export function checkFrame(m) {
  const w = `${m?.event} frame`;
  keysExactly(m, ['event', 'data', 'timestamp'], w);
  assert.ok(isIso(m.timestamp), `${w}.timestamp: ${brief(m.timestamp)}`);
  const check = DATA_CHECKS[m.event];
  assert.ok(check, `unknown server event ${brief(m)}`);
  check(m.data, `${m.event}.data`);
  return m;
}

/// Checks every frame a client has received.
export function checkAllFrames(client) {
  for (const e of client.received) checkFrame(e.msg);
}

/// A question for POST /api/contests.
export function question(id, answer, extra = {}) {
  return { id, text: `Question ${id}?`, options: ['A', 'B', 'C', 'D'], answer, points: 100, timeLimit: 3, ...extra };
}

// -- the database ----------------------------------------------------------------

/// The standings the ranking rules give for `participants` (userIds) and
/// their answer rows ({userId, points, elapsedMs}): score descending, total
/// answer time ascending, competition ranks. → Map userId → {rank, score, timeMs}.
export function rankingOf(participants, answers) {
  const acc = new Map(participants.map((u) => [u, { userId: u, score: 0, timeMs: 0 }]));
  for (const a of answers) {
    const e = acc.get(a.userId);
    assert.ok(e, `an answer by ${a.userId}, who is not a participant`);
    e.score += a.points;
    e.timeMs += a.elapsedMs;
  }
  const list = [...acc.values()].sort((x, y) => y.score - x.score || x.timeMs - y.timeMs);
  list.forEach((e, i) => {
    const prev = list[i - 1];
    e.rank = prev && prev.score === e.score && prev.timeMs === e.timeMs ? prev.rank : i + 1;
  });
  return new Map(list.map((e) => [e.userId, e]));
}

/// Polls the database (the contest row is written after contest_end goes
/// out) until `query` returns rows satisfying pred; → the rows.
export async function sqlUntil(server, query, pred, timeout = 3000) {
  const until = now() + timeout;
  for (;;) {
    const rows = await server.sql(query);
    if (pred(rows)) return rows;
    if (now() > until) throw new Error(`${query}: still ${brief(rows, 800)} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/// Every key of a JSON value, at any depth.
export function allKeys(v, out = new Set()) {
  if (Array.isArray(v)) v.forEach((x) => allKeys(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) { out.add(k); allKeys(x, out); }
  }
  return out;
}

/// One server for a test file, started before its tests (handed to
/// `started`) and stopped (its exit checked) after them, and a connect()
/// whose clients are closed first. Call at the top level of the file.
export function serverForFile(started, args = ['--leaderboard-interval', '1']) {
  const file = { server: undefined, clients: [] };
  before(async () => {
    file.server = await startServer({ args });
    started(file.server);
  });
  after(async () => {
    for (const c of file.clients) c.terminate();
    await file.server?.stopAndCheck();
  });
  file.connect = async (sub, name, tokenOpts) => {
    const c = await connectContest(file.server, sub, name, tokenOpts);
    file.clients.push(c);
    return c;
  };
  return file;
}
