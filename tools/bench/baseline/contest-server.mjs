#!/usr/bin/env node
// Benchmark baseline for the contest door (seed 001; protocol/README.md,
// "Contest dialect"): Node.js + npm `ws`, all in memory, idiomatic
// single-threaded code, the flow proctor-load's contest dialect drives and
// nothing more.
//
//   node tools/bench/baseline/contest-server.mjs --port 0 --secret S [--bind 127.0.0.1]
//
// Prints `listening on PORT`, then serves until SIGTERM / SIGINT (exit 0).
//
// HTTP (Authorization: Bearer JWT, HS256):
//   POST /api/contests            admin: {title, questions[{id, text, options,
//                                 answer, points, timeLimit}], scoring} -> 201 {contestId}
//   POST /api/contests/:id/start  admin -> 200 the contest
//   GET  /api/contests/:id        -> 200 {contestId, title, status, totalQuestions,
//                                 currentQuestion, remaining, participants}
//   GET  /api/stats, /health      (no token)
// WS /ws/contest?token=JWT (or Authorization: Bearer); a bad token: the
// upgrade is accepted and closed with 4001.
//   join_contest -> contest_state (+ contest_start, question_broadcast and
//   timer_update while active, contest_end when over); submit_answer ->
//   submission_result (idempotencyKey honoured, one answer per question);
//   ping -> pong. Timers as proctord's: tick k of a question due at
//   endsAt − k s, the same frame (stringified once) for everyone;
//   question_change at endsAt; leaderboard_update every 5 s when something
//   changed (top 10, and each recipient's own place); contest_end with the
//   top 10.
// Not done (a baseline, not a product): persistence, pause/resume, freeze,
// startTime, observers, rate limits, pings from the server.

import http from 'node:http';

import { jwtVerifier, loadPackage } from './common.mjs';

const { WebSocketServer, WebSocket } = loadPackage('ws');

const opts = { port: 8080, bind: '127.0.0.1', secret: process.env.JWT_SECRET || '' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[++i];
  if (v === undefined) { console.error(`contest-server: ${a} needs a value`); process.exit(2); }
  if (a === '--port') opts.port = Number(v);
  else if (a === '--bind') opts.bind = v;
  else if (a === '--secret') opts.secret = v;
  else { console.error(`contest-server: unknown option ${a}`); process.exit(2); }
}
if (!opts.secret) { console.error('contest-server: --secret (or JWT_SECRET) is required'); process.exit(2); }

/// {userId, username, role} of an HS256 token, or null.
const verifyJwt = jwtVerifier(opts.secret);
const bearer = (req) => {
  const a = req.headers.authorization;
  return a && a.toLowerCase().startsWith('bearer ') ? a.slice(7).trim() : null;
};

const stats = { connections: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
const iso = (ms) => new Date(ms).toISOString();
function sendRaw(ws, s) {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(s);
  stats.messagesOut++;
  stats.bytesOut += s.length;
}
const frame = (event, data, at = Date.now()) => JSON.stringify({ event, data, timestamp: iso(at) });
const send = (ws, event, data, at) => sendRaw(ws, frame(event, data, at));

// -- contests ---------------------------------------------------------------------
// contest: {id, title, questions, scoring, status, startedAt, endedAt, index
//   (open question, -1), endsAt, timers[], members: Map userId -> member,
//   conns: Set ws, changed, lastTick: frame}
// member: {userId, username, score, time, answered: Map qid -> result, keys: Map key -> result}

const contests = new Map();
let nextId = 1;

function view(c) {
  const q = c.questions[c.index];
  return {
    contestId: c.id, title: c.title, status: c.status, scoring: c.scoring,
    startTime: c.startedAt ? iso(c.startedAt) : null, endTime: c.endedAt ? iso(c.endedAt) : null,
    totalQuestions: c.questions.length, currentQuestion: q ? broadcastData(c, q) : null,
    remaining: q ? Math.max(0, Math.ceil((c.endsAt - Date.now()) / 1000)) : null,
    participants: c.members.size,
  };
}
const broadcastData = (c, q) => ({
  contestId: c.id, questionId: q.id, index: c.index + 1, text: q.text, options: q.options ?? null,
  points: q.points, timeLimit: q.timeLimit, endsAt: iso(c.endsAt),
});
function toAll(c, s) {
  for (const ws of c.conns) sendRaw(ws, s);
}

function ranking(c) {
  return [...c.members.values()].sort((a, b) => b.score - a.score || a.time - b.time);
}
function top(ranked) {
  return ranked.slice(0, 10).map((m, i) => ({ rank: i + 1, userId: m.userId, username: m.username, score: m.score }));
}

function start(c) {
  c.status = 'ACTIVE';
  c.startedAt = Date.now();
  c.changed = true;
  const total = c.questions.reduce((s, q) => s + q.timeLimit, 0);
  toAll(c, frame('contest_start', {
    contestId: c.id, title: c.title, startTime: iso(c.startedAt), totalQuestions: c.questions.length,
    estimatedDuration: total,
  }, c.startedAt));
  c.board = setInterval(leaderboard, 5000, c);
  open(c, 0);
}

function open(c, i) {
  const q = c.questions[i];
  const now = Date.now();
  c.index = i;
  c.openedAt = now;
  c.endsAt = now + q.timeLimit * 1000;
  toAll(c, frame('question_broadcast', broadcastData(c, q), now));
  for (let k = q.timeLimit; k >= 1; k--) {
    const due = c.endsAt - k * 1000;
    c.timers.push(setTimeout(() => {
      c.lastTick = frame('timer_update', { contestId: c.id, questionId: q.id, remaining: k, endsAt: iso(c.endsAt) }, due);
      toAll(c, c.lastTick);
    }, Math.max(0, due - Date.now())));
  }
  c.timers.push(setTimeout(close, c.endsAt - Date.now(), c));
}

function close(c) {
  c.timers = [];
  const q = c.questions[c.index];
  const next = c.questions[c.index + 1];
  toAll(c, frame('question_change', { contestId: c.id, previousQuestionId: q.id, nextQuestionId: next ? next.id : null }));
  c.lastTick = null;
  if (next) return open(c, c.index + 1);
  c.status = 'COMPLETED';
  c.endedAt = Date.now();
  c.index = -1;
  clearInterval(c.board);
  const ranked = ranking(c);
  const standings = top(ranked);
  ranked.forEach((m, i) => { m.rank = i + 1; });
  for (const ws of c.conns) {
    const m = c.members.get(ws.user.userId);
    send(ws, 'contest_end', {
      contestId: c.id, endTime: iso(c.endedAt), standings, you: { rank: m?.rank ?? null, score: m?.score ?? 0 },
    }, c.endedAt);
  }
}

function leaderboard(c) {
  if (!c.changed) return;
  c.changed = false;
  const ranked = ranking(c);
  ranked.forEach((m, i) => { m.rank = i + 1; });
  const t = top(ranked);
  for (const ws of c.conns) {
    const m = c.members.get(ws.user.userId);
    send(ws, 'leaderboard_update', {
      contestId: c.id, top: t, totalParticipants: c.members.size, you: { rank: m?.rank ?? null, score: m?.score ?? 0 },
    });
  }
}

function state(c, m) {
  const v = view(c);
  return {
    contestId: c.id, title: c.title, status: v.status, currentQuestion: v.currentQuestion, remaining: v.remaining,
    totalQuestions: v.totalQuestions, you: { rank: m.rank ?? null, score: m.score, answered: [...m.answered.keys()] },
    top: top(ranking(c)),
  };
}

// -- the WebSocket door --------------------------------------------------------------

const error = (ws, code, message) => send(ws, 'error', { code, message });

const handlers = {
  join_contest(ws, d) {
    const c = contests.get(d.contestId);
    if (!c) return error(ws, 'CONTEST_NOT_FOUND', 'no such contest');
    let m = c.members.get(ws.user.userId);
    if (!m) {
      m = { userId: ws.user.userId, username: ws.user.username, score: 0, time: 0, answered: new Map(), keys: new Map() };
      c.members.set(m.userId, m);
      c.changed = true;
    }
    ws.contest = c;
    c.conns.add(ws);
    send(ws, 'contest_state', state(c, m));
    if (c.status === 'ACTIVE') {
      send(ws, 'contest_start', { contestId: c.id, title: c.title, startTime: iso(c.startedAt),
        totalQuestions: c.questions.length, estimatedDuration: c.questions.reduce((s, q) => s + q.timeLimit, 0) }, c.startedAt);
      send(ws, 'question_broadcast', broadcastData(c, c.questions[c.index]), c.openedAt);
      if (c.lastTick) sendRaw(ws, c.lastTick);
    }
  },

  submit_answer(ws, d) {
    const c = ws.contest;
    if (!c || c.id !== d.contestId) return error(ws, 'NOT_JOINED', 'join the contest first');
    const m = c.members.get(ws.user.userId);
    const key = typeof d.idempotencyKey === 'string' ? d.idempotencyKey : null;
    if (key && m.keys.has(key)) return send(ws, 'submission_result', m.keys.get(key));
    if (c.status !== 'ACTIVE') return error(ws, 'CONTEST_NOT_ACTIVE', 'the contest is not active');
    const q = c.questions[c.index];
    const now = Date.now();
    if (!q || q.id !== d.questionId || now >= c.endsAt) return error(ws, 'QUESTION_CLOSED', 'that question is not open');
    if (m.answered.has(q.id)) return error(ws, 'ALREADY_ANSWERED', 'already answered');
    const answer = String(d.answer ?? '');
    const correct = answer.trim().toLowerCase() === String(q.answer).trim().toLowerCase();
    const elapsed = Math.min(q.timeLimit, (now - c.openedAt) / 1000);
    const points = !correct ? 0 : c.scoring === 'fixed' ? q.points : Math.round(q.points * (1 - 0.5 * elapsed / q.timeLimit));
    m.score += points;
    m.time += now - c.openedAt;
    c.changed = true;
    const result = { contestId: c.id, questionId: q.id, accepted: true, correct, pointsAwarded: points, totalScore: m.score };
    m.answered.set(q.id, result);
    if (key) m.keys.set(key, result);
    send(ws, 'submission_result', result);
  },

  resync(ws, d) {
    const c = ws.contest;
    if (!c || c.id !== d.contestId) return error(ws, 'NOT_JOINED', 'join the contest first');
    send(ws, 'contest_state', state(c, c.members.get(ws.user.userId)));
  },

  ping(ws) { send(ws, 'pong', {}); },
};

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20, clientTracking: false });
const sockets = new Set();

function onConnection(ws, user) {
  if (!user) return ws.close(4001, 'invalid token');
  ws.user = user;
  ws.contest = null;
  sockets.add(ws);
  stats.connections++;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'text only');
    stats.messagesIn++;
    stats.bytesIn += data.length;
    let j;
    try { j = JSON.parse(data.toString()); } catch { return error(ws, 'INVALID_EVENT', 'not JSON'); }
    const h = j && typeof j === 'object' && Object.hasOwn(handlers, j.event) ? handlers[j.event] : null;
    if (!h) return error(ws, 'INVALID_EVENT', 'unknown event');
    const d = j.data && typeof j.data === 'object' ? j.data : {};
    if (j.event !== 'ping' && (typeof d.contestId !== 'string' || !d.contestId))
      return error(ws, 'INVALID_PAYLOAD', 'data.contestId must be a non-empty string');
    h(ws, d);
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    sockets.delete(ws);
    stats.connections--;
    ws.contest?.conns.delete(ws);
  });
}

// -- HTTP --------------------------------------------------------------------------

function reply(res, status, body) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

function create(body) {
  if (!body || typeof body.title !== 'string' || !body.title) return 'title';
  if (!Array.isArray(body.questions) || body.questions.length === 0) return 'questions';
  for (const q of body.questions)
    if (!q || typeof q.id !== 'string' || typeof q.text !== 'string' || q.answer == null
      || !Number.isInteger(q.points) || !Number.isInteger(q.timeLimit) || q.timeLimit < 1) return 'questions';
  const c = {
    id: String(nextId++), title: body.title, questions: body.questions, scoring: body.scoring === 'fixed' ? 'fixed' : 'speed',
    status: 'UPCOMING', startedAt: null, endedAt: null, index: -1, endsAt: 0, openedAt: 0, timers: [],
    members: new Map(), conns: new Set(), changed: false, lastTick: null, board: null,
  };
  contests.set(c.id, c);
  return c;
}

const server = http.createServer((req, res) => {
  const p = req.url.split('?', 1)[0];
  if (req.method === 'GET' && p === '/api/stats') return reply(res, 200, stats);
  if (req.method === 'GET' && p === '/health') return reply(res, 200, { status: 'ok' });
  const user = verifyJwt(bearer(req));
  if (!p.startsWith('/api/contests')) return reply(res, 404, { code: 'NOT_FOUND', message: 'not found' });
  if (!user) return reply(res, 401, { code: 'UNAUTHORIZED', message: 'a valid token is required' });
  const parts = p.split('/').filter(Boolean); // api, contests, id?, action?
  let text = '';
  req.on('data', (d) => { text += d; });
  req.on('end', () => {
    if (req.method === 'POST' && parts.length === 2) {
      if (user.role !== 'admin') return reply(res, 403, { code: 'FORBIDDEN', message: 'admins only' });
      let body;
      try { body = JSON.parse(text); } catch { return reply(res, 400, { code: 'INVALID_BODY', message: 'not JSON' }); }
      const c = create(body);
      if (typeof c === 'string') return reply(res, 400, { code: 'INVALID_FIELD', message: `bad ${c}`, field: c });
      return reply(res, 201, { contestId: c.id });
    }
    const c = contests.get(parts[2]);
    if (!c) return reply(res, 404, { code: 'CONTEST_NOT_FOUND', message: 'no such contest' });
    if (req.method === 'GET' && parts.length === 3) return reply(res, 200, view(c));
    if (req.method === 'POST' && parts.length === 4 && parts[3] === 'start') {
      if (user.role !== 'admin') return reply(res, 403, { code: 'FORBIDDEN', message: 'admins only' });
      if (c.status !== 'UPCOMING') return reply(res, 409, { code: 'INVALID_STATE', message: 'not upcoming' });
      start(c);
      return reply(res, 200, view(c));
    }
    reply(res, 404, { code: 'NOT_FOUND', message: 'not found' });
  });
});

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const q = req.url.indexOf('?');
  const p = q < 0 ? req.url : req.url.slice(0, q);
  if (p !== '/ws/contest') {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const token = (q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('token')) || bearer(req);
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, verifyJwt(token)));
});

server.listen(opts.port, opts.bind, () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});

function shutdown() {
  for (const ws of sockets) ws.close(1001, 'server shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
