#!/usr/bin/env node
// RESUME flood: does one member replaying the room's log over and over slow
// down everyone else's commits? (Issue 8, defect 3: "a member sending RESUME
// with lastSeq: 0 30 times a second moved ten other candidates'
// submission-ack p99 from 8 ms to 48 ms".)
//
// What it does: starts the given proctord on a free loopback port with a
// temporary database, creates one private room, admits C candidates
// (default 10) and one more participant, the "flooder", and starts the room.
// It then builds up the room's event log: every candidate submits
// --prefill submissions of --code-bytes of code, one after the other (with
// the defaults ~300 events, ~600 KB of code). Then two measured phases of
// --duration seconds each, the same load in both:
//
//   1. quiet: every candidate sends SUBMIT_CODE (with its own
//      idempotencyKey) at --rate per second, open loop (a timer, not "after
//      the last ack"), and records send → SUBMISSION_RECEIVED;
//   2. flood: the same, while the flooder sends
//      {"type":"RESUME","resumeToken":<its own>,"lastSeq":0} --flood-rate
//      times a second on its connection (reconnecting if the server closes
//      it), reading everything it is sent.
//
// It prints the candidates' ack p50 / p99 / p99.9 / max in each phase, the
// p99 ratio (flood / quiet), proctord's CPU in each phase, and what the
// flooder got back: RESUMED (and the events they replayed), RESYNC_REQUIRED,
// ERROR by code (RESUME_IN_PROGRESS, RATE_LIMITED, …), reconnects. It checks
// that every submission was answered, that the submissions table holds as
// many rows as were acknowledged (sqlite3 CLI, if installed), and that
// proctord exits 0 on SIGTERM; it exits 1 if a check fails.
//
// proctord keeps its default rate limit (30 messages/s, burst 60): a flood
// at 30 RESUME/s is what any member may send. Pass --rate-limit to change it.
//
// Running (needs npm's ws: `npm ci --prefix tests/integration`):
//
//   node tools/bench/resume_flood.mjs --proctord build/proctord
//   PROCTORD_BIN=/path/to/proctord node tools/bench/resume_flood.mjs
//   taskset -c 1 node tools/bench/resume_flood.mjs --proctord build/proctord --server-cpus 0
//
// Options: --proctord PATH (or the first argument, or PROCTORD_BIN; default
// build/proctord), --candidates 10, --rate 5 (submissions/s per candidate),
// --duration 15 (s per phase), --warmup 2 (s of load before each phase is
// measured), --flood-rate 30 (RESUME/s), --prefill 15 (submissions per
// candidate before measuring), --code-bytes 4096, --flood-as participant|host
// (who floods: the extra participant, whose replay is its own ~15 events, or
// the host, whose replay holds every submission's code), --server-cpus LIST
// (pin proctord with taskset), --rate-limit N / --rate-burst N (passed to
// proctord), --json PATH (write the figures as JSON), --keep (keep the
// temporary directory).

import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

/// npm's ws, from the integration tests' node_modules unless it resolves here.
function loadWs() {
  for (const base of [path.join(here, 'package.json'), path.join(repo, 'tests/integration/package.json')]) {
    try {
      return createRequire(base)('ws');
    } catch { /* try the next */ }
  }
  throw new Error('npm package "ws" not found: run `npm ci --prefix tests/integration` first');
}
const WebSocket = loadWs();

function token(sub, name, secret) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, iat: now, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
  const o = {
    proctord: process.env.PROCTORD_BIN ?? path.join(repo, 'build/proctord'),
    candidates: 10, rate: 5, duration: 15, warmup: 2, floodRate: 30, prefill: 15, codeBytes: 4096,
    floodAs: 'participant', serverCpus: null, rateLimit: null, rateBurst: null, json: null, keep: false,
  };
  const num = (v, k) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} wants a number ≥ 0, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => { i += 1; if (argv[i] === undefined) throw new Error(`${a} needs a value`); return argv[i]; };
    switch (a) {
      case '--proctord': o.proctord = v(); break;
      case '--candidates': o.candidates = num(v(), 'candidates'); break;
      case '--rate': o.rate = num(v(), 'rate'); break;
      case '--duration': o.duration = num(v(), 'duration'); break;
      case '--warmup': o.warmup = num(v(), 'warmup'); break;
      case '--flood-rate': o.floodRate = num(v(), 'flood-rate'); break;
      case '--prefill': o.prefill = num(v(), 'prefill'); break;
      case '--code-bytes': o.codeBytes = num(v(), 'code-bytes'); break;
      case '--server-cpus': o.serverCpus = v(); break;
      case '--flood-as': o.floodAs = v(); break;
      case '--rate-limit': o.rateLimit = v(); break;
      case '--rate-burst': o.rateBurst = v(); break;
      case '--json': o.json = v(); break;
      case '--keep': o.keep = true; break;
      case '--help': case '-h':
        {
          const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
          console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).join('\n'));
        }
        process.exit(0);
        break;
      default:
        if (!a.startsWith('--') && i === 0) o.proctord = a;
        else throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (!['participant', 'host'].includes(o.floodAs)) throw new Error('--flood-as is participant or host');
  return o;
}

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime
  } catch {
    return NaN;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/// A WebSocket client with a message handler and waits for a matching message.
class Conn {
  static open(url, label) {
    const c = new Conn(new WebSocket(url, { perMessageDeflate: false }), label);
    return new Promise((resolve, reject) => {
      c.ws.once('open', () => resolve(c));
      c.ws.once('error', reject);
    });
  }

  constructor(ws, label) {
    this.ws = ws;
    this.label = label;
    this.waiters = [];
    this.onMsg = null;
    this.closed = null;
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) { this.waiters.splice(i, 1)[0].resolve(m); return; }
      this.onMsg?.(m);
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closed = code;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${label}: closed (${code}) while waiting for ${w.what}`));
      this.onClose?.(code);
    });
  }

  wait(pred, what, ms = 20000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.label}: no ${what} within ${ms} ms`)), ms);
      this.waiters.push({
        pred, what,
        resolve: (m) => { clearTimeout(t); resolve(m); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
    });
  }

  send(o) { this.ws.send(typeof o === 'string' ? o : JSON.stringify(o)); }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const bin = path.resolve(o.proctord);
  if (!existsSync(bin)) throw new Error(`no proctord at ${bin} (pass --proctord PATH or set PROCTORD_BIN)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'proctord-resume-flood-'));
  const db = path.join(dir, 'bench.db');
  const secret = randomBytes(32).toString('hex');
  const args = ['--port', '0', '--bind', '127.0.0.1', '--db', db, '--jwt-secret', secret];
  if (o.rateLimit) args.push('--rate-limit', o.rateLimit);
  if (o.rateBurst) args.push('--rate-burst', o.rateBurst);
  const [cmd, argv] = o.serverCpus ? ['taskset', ['-c', o.serverCpus, bin, ...args]] : [bin, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    exited.then((e) => reject(new Error(`proctord exited: ${JSON.stringify(e)}\n${log}`)));
    const t = setTimeout(() => reject(new Error(`proctord did not start:\n${log}`)), 10000);
    for (const s of [child.stdout, child.stderr]) {
      s.setEncoding('utf8');
      s.on('data', (d) => {
        log = (log + d).slice(-20000);
        const m = /listening on [^\s]*:(\d+)/.exec(log);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      });
    }
  }).catch((err) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const url = `ws://127.0.0.1:${port}/ws`;
  const conns = [];
  const open = async (label) => { const c = await Conn.open(url, label); conns.push(c); return c; };
  let failed = false;
  const problems = [];
  const result = { proctord: bin, options: { ...o, proctord: undefined, json: undefined } };

  try {
    // -- the room: a host, C candidates and the flooder, all approved, started --
    const host = await open('host');
    const createdP = host.wait((m) => m.type === 'ROOM_CREATED', 'ROOM_CREATED');
    host.send({ type: 'CREATE_ROOM', token: token('flood-host', 'Host', secret), roomname: 'RESUME flood',
      maxGuests: o.candidates + 1, duration: 600 });
    const created = await createdP;
    const roomId = created.data.roomId;
    host.onMsg = () => {}; // reads (and discards) what a host is shown
    const admit = async (userId, name) => {
      const c = await open(userId);
      const req = host.wait((m) => m.type === 'JOIN_REQUEST' && m.data?.userId === userId, `JOIN_REQUEST ${userId}`);
      const ok = c.wait((m) => m.type === 'JOIN_APPROVED', 'JOIN_APPROVED');
      c.send({ type: 'JOIN_ROOM', token: token(userId, name, secret), roomId });
      await req;
      host.send({ type: 'APPROVE_JOIN', roomId, userId, approve: true });
      c.approved = await ok;
      c.onMsg = () => {};
      return c;
    };
    const candidates = [];
    for (let i = 0; i < o.candidates; i += 1) candidates.push(await admit(`cand-${i}`, `Candidate ${i}`));
    const extra = await admit('flooder', 'Flooder');
    const flooder = o.floodAs === 'host' ? host : extra;
    const resumeToken = (o.floodAs === 'host' ? created : extra.approved).data?.resumeToken;
    if (!resumeToken) throw new Error(`no resumeToken for the flooder (${o.floodAs})`);
    const started = [host, ...candidates, extra].map((c) => c.wait((m) => m.type === 'ROOM_STARTED', 'ROOM_STARTED'));
    host.send({ type: 'START_ROOM', roomId });
    await Promise.all(started);

    // -- the log: every candidate submits --prefill times, one after the other --
    const filler = 'x'.repeat(Math.max(0, o.codeBytes - 48));
    let keyN = 0;
    const submitFrame = (c) => {
      keyN += 1;
      return `{"type":"SUBMIT_CODE","roomId":"${roomId}","language":"javascript","idempotencyKey":"${c.label}-${keyN}","code":"// ${c.label} ${keyN} ${filler}"}`;
    };
    const tPrefill = Date.now();
    await Promise.all(candidates.map(async (c) => {
      for (let k = 0; k < o.prefill; k += 1) {
        const ack = c.wait((m) => m.type === 'SUBMISSION_RECEIVED' || m.type === 'ERROR', 'SUBMISSION_RECEIVED');
        c.send(submitFrame(c));
        const m = await ack;
        if (m.type === 'ERROR') throw new Error(`${c.label}: prefill submission answered ${JSON.stringify(m)}`);
      }
    }));
    let events = '?';
    try {
      events = Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', db,
        `select count(*) from events where roomId = '${roomId}'`], { encoding: 'utf8' }).trim());
    } catch { /* no sqlite3 CLI */ }
    result.logEvents = events;
    console.error(`setup: room of ${o.candidates} candidates + flooder; log of ${events} events after ` +
      `${o.candidates * o.prefill} prefill submissions of ${o.codeBytes} B (${Date.now() - tPrefill} ms)`);

    // -- the candidates' load: open loop, acks in send order per connection --
    let measuring = false;
    let lat = [];
    let sent = 0;
    let acked = 0;
    let errors = 0;
    const errorCodes = {};
    for (const c of candidates) {
      c.inflight = [];
      c.onMsg = (m) => {
        if (m.type !== 'SUBMISSION_RECEIVED' && m.type !== 'ERROR') return; // USER_JOINED and the like
        const sentAt = c.inflight.shift();
        if (sentAt === undefined) return;
        if (m.type === 'ERROR') {
          errors += 1;
          errorCodes[m.code] = (errorCodes[m.code] ?? 0) + 1;
          return;
        }
        acked += 1;
        if (sentAt.measured) lat.push(performance.now() - sentAt.t);
      };
    }
    const period = 1000 / o.rate;
    let timers = [];
    const startLoad = () => {
      timers = candidates.map((c, i) => {
        const tick = () => {
          c.inflight.push({ t: performance.now(), measured: measuring });
          sent += 1;
          c.send(submitFrame(c));
        };
        // Spread the candidates over one period.
        let iv = null;
        const first = setTimeout(() => { tick(); iv = setInterval(tick, period); }, (i * period) / candidates.length);
        return () => { clearTimeout(first); if (iv) clearInterval(iv); };
      });
    };
    const stopLoad = () => { for (const t of timers) t(); timers = []; };
    const drain = async () => {
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline && candidates.some((c) => c.inflight.length)) await sleep(50);
    };

    // -- the flooder --
    const flood = { resumed: 0, replayed: 0, resync: 0, errors: {}, reconnects: 0, closes: {}, sent: 0, messages: 0 };
    let flooding = false;
    let floodConn = flooder;
    let floodTimer = null;
    const watchFlooder = (c) => {
      c.onMsg = (m) => {
        if (!flooding) return;
        flood.messages += 1;
        if (m.type === 'RESUMED') { flood.resumed += 1; flood.replayed += m.replayed ?? 0; }
        else if (m.type === 'RESYNC_REQUIRED') flood.resync += 1;
        else if (m.type === 'ERROR') flood.errors[m.code] = (flood.errors[m.code] ?? 0) + 1;
      };
      c.onClose = (code) => {
        if (!flooding) return;
        flood.closes[code] = (flood.closes[code] ?? 0) + 1;
        floodConn = null;
        // Back on a new connection: RESUME on it is the first thing it sends.
        open('flooder').then((n) => { flood.reconnects += 1; watchFlooder(n); floodConn = n; })
          .catch(() => { flood.closes.connectFailed = (flood.closes.connectFailed ?? 0) + 1; });
      };
    };
    watchFlooder(flooder);
    const resumeFrame = JSON.stringify({ type: 'RESUME', resumeToken, lastSeq: 0 });
    const startFlood = () => {
      flooding = true;
      floodTimer = setInterval(() => {
        if (floodConn && floodConn.ws.readyState === WebSocket.OPEN) {
          floodConn.send(resumeFrame);
          flood.sent += 1;
        }
      }, 1000 / o.floodRate);
    };
    const stopFlood = () => { clearInterval(floodTimer); };

    // -- the two phases --
    const phase = async (name, withFlood) => {
      lat = [];
      if (withFlood) startFlood();
      startLoad();
      await sleep(o.warmup * 1000);
      const cpu0 = cpuSeconds(child.pid);
      const flood0 = { ...flood, errors: { ...flood.errors } };
      const t0 = performance.now();
      measuring = true;
      await sleep(o.duration * 1000);
      measuring = false;
      const secs = (performance.now() - t0) / 1000;
      const cpu = ((cpuSeconds(child.pid) - cpu0) / secs) * 100;
      stopLoad();
      await drain();
      if (withFlood) { stopFlood(); await sleep(1000); flooding = false; }
      const sorted = Float64Array.from(lat).sort();
      const r = {
        name, samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99),
        p999: percentile(sorted, 99.9), max: sorted[sorted.length - 1], serverCpuPct: cpu,
      };
      if (withFlood) {
        // Counted over the measured window only.
        r.flood = {
          sentPerSec: (flood.sent - flood0.sent) / secs,
          resumedPerSec: (flood.resumed - flood0.resumed) / secs,
          replayedPerResume: (flood.replayed - flood0.replayed) / Math.max(1, flood.resumed - flood0.resumed),
        };
      }
      return r;
    };
    const quiet = await phase('quiet', false);
    const flooded = await phase('flood', true);
    result.quiet = quiet;
    result.flood = flooded;
    result.flooder = flood;
    result.ratioP99 = flooded.p99 / quiet.p99;
    result.ratioP50 = flooded.p50 / quiet.p50;

    // -- checks --
    const unanswered = candidates.reduce((s, c) => s + c.inflight.length, 0);
    let rows = '?';
    try {
      rows = Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, 'select count(*) from submissions'],
        { encoding: 'utf8' }).trim());
    } catch { /* no sqlite3 CLI: skip the check */ }
    const totalAcked = acked + o.candidates * o.prefill;
    const closedCandidates = candidates.filter((c) => c.closed !== null).map((c) => `${c.label}: ${c.closed}`);
    result.check = { sent, acked, errors, errorCodes, unanswered, rows, totalAcked, closedCandidates };
    if (unanswered) problems.push(`${unanswered} submissions unanswered`);
    if (errors) problems.push(`${errors} submissions answered with ERROR ${JSON.stringify(errorCodes)}`);
    if (rows !== '?' && rows !== totalAcked) problems.push(`${rows} rows in submissions, ${totalAcked} acked`);
    if (closedCandidates.length) problems.push(`candidates closed by the server: ${closedCandidates.join(', ')}`);

    const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
    console.log(`proctord: ${bin} ${args.join(' ').replace(secret, '<secret>')}${o.serverCpus ? ` (taskset -c ${o.serverCpus})` : ''}`);
    console.log(`load: ${o.candidates} candidates × ${o.rate} SUBMIT_CODE/s of ${o.codeBytes} B, ` +
      `${o.duration} s per phase after ${o.warmup} s warm-up; flooder (${o.floodAs}): RESUME lastSeq 0 at ${o.floodRate}/s; ` +
      `log: ${events} events`);
    console.log('');
    console.log('| phase | acks | ack p50 ms | ack p99 ms | ack p99.9 ms | max ms | server CPU |');
    console.log('|---|---|---|---|---|---|---|');
    for (const p of [quiet, flooded]) {
      console.log(`| ${p.name} | ${p.samples} | ${f(p.p50)} | ${f(p.p99)} | ${f(p.p999)} | ${f(p.max)} | ${Math.round(p.serverCpuPct)} % |`);
    }
    console.log('');
    console.log(`p99 flood / quiet: ${f(result.ratioP99)}× (p50 ${f(result.ratioP50)}×)`);
    console.log(`flooder: ${flood.sent} RESUME sent; ${flood.resumed} RESUMED (${flood.replayed} events replayed, ` +
      `${f(flooded.flood.replayedPerResume)} per RESUMED in the window), ${flood.resync} RESYNC_REQUIRED, ` +
      `errors ${JSON.stringify(flood.errors)}, ${flood.reconnects} reconnects, closes ${JSON.stringify(flood.closes)}; ` +
      `in the window ${f(flooded.flood.sentPerSec)} sent/s, ${f(flooded.flood.resumedPerSec)} RESUMED/s`);
    console.log(`check: ${sent} sent, ${acked} acked, ${errors} errors, ${unanswered} unanswered, ` +
      `${rows} rows in submissions (${totalAcked} acked with the prefill)`);
    if (problems.length) { failed = true; console.log(`FAILED: ${problems.join('; ')}`); }
  } finally {
    for (const c of conns) { try { c.ws.close(); } catch { /* gone */ } }
    await sleep(200);
    child.kill('SIGTERM');
    const e = await Promise.race([exited, sleep(10000).then(() => null)]);
    if (!e) { child.kill('SIGKILL'); failed = true; console.log('proctord did not exit within 10 s of SIGTERM'); }
    else if (e.code !== 0) { failed = true; console.log(`proctord exited ${JSON.stringify(e)}\n${log.slice(-3000)}`); }
    result.exit = e;
    result.failed = failed;
    if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2));
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((err) => { console.error(err.stack ?? err); process.exitCode = 1; });
