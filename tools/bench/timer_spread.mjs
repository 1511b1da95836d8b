#!/usr/bin/env node
// Timer spread of a contest (README.md here): how far apart in time the
// participants of one contest receive the same timer_update, and how late
// against its due time (endsAt − remaining s).
//
//   node tools/bench/timer_spread.mjs --url http://127.0.0.1:5050 \
//       --secret-file /tmp/proctord.db.secret [--participants 1000]
//       [--questions 2] [--time-limit 12] [--per-process 5000]
//       [--load-cpus 1] [--no-pin] [--keep]
//
// Starts no server: give it a running proctord. It creates a contest (POST
// /api/contests with an admin token minted from the secret), launches
// ceil(participants / per-process) proctor-load processes that join it
// without starting it (tools/scenarios/contest.json with contest.id and
// contest.start=false), waits until each has printed its "ready" line,
// starts the contest (POST /start), waits for them to finish (they end on
// contest_end), merges their per-tick first/last receipts (realtime µs)
// and prints one table row. Exits 1 if a process failed or anything
// expected was lost.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const whole = (name, fallback, lo, hi) => {
  const v = Number(option(name, fallback));
  if (!Number.isInteger(v) || v < lo || v > hi) die(`${name} takes a whole number from ${lo} to ${hi}`);
  return v;
};
function die(why) {
  console.error(`timer_spread: ${why}`);
  process.exit(2);
}

const base = new URL(option('--url') ?? die('--url http://HOST:PORT of a running proctord is required'));
const secretFile = option('--secret-file') ?? die('--secret-file is required (the server\'s <db>.secret)');
const secret = readFileSync(secretFile, 'utf8').trim();
const participants = whole('--participants', 1000, 1, 200000);
const questions = whole('--questions', 2, 1, 50);
const timeLimit = whole('--time-limit', 12, 1, 600);
// 5,000 a process keeps each well inside the 20,000 open files (and fills
// one core's worth of client work at most; raise to ~19,000 if you must).
const perProcess = whole('--per-process', 5000, 1, 19000);
const loadCpus = option('--load-cpus', '1');
const pin = !flag('--no-pin') && cpus().length >= 2;
const keep = flag('--keep');
const loadBin = option('--proctor-load', process.env.PROCTOR_LOAD_BIN ?? path.join(repo, 'build/proctor-load'));
if (!existsSync(loadBin)) die(`${loadBin} not found: build it (cmake --build build --target proctor-load)`);
if (!['127.', 'localhost', '[::1]'].some((p) => base.hostname.startsWith(p)))
  die(`${base.hostname} is not loopback: this bench loads loopback servers only`);
const httpBase = `http://${base.host}`;
const wsUrl = `ws://${base.host}/ws/contest`;

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function mint(sub, role) {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name: sub, role, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
const admin = mint('bench-admin', 'admin');

async function api(method, target, body) {
  const res = await fetch(`${httpBase}${target}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

/// Nearest rank: the ceil(q·n)-th smallest (as proctor-load's report).
function quantiles(values) {
  if (!values.length) return { median: 0, p99: 0, max: 0 };
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length, Math.max(1, Math.ceil(q * v.length))) - 1];
  return { median: at(0.5), p99: at(0.99), max: v[v.length - 1] };
}
const ms = (us) => (us / 1000).toFixed(2);
const triple = (f) => `${ms(f.median)} / ${ms(f.p99)} / ${ms(f.max)}`;

// 1. The contest: the same shape proctor-load creates (A is right).
const created = await api('POST', '/api/contests', {
  title: `timer spread ${participants}`,
  questions: Array.from({ length: questions }, (_, i) => ({
    id: `q${i + 1}`, text: `bench question ${i + 1}`, options: ['A', 'B', 'C', 'D'],
    answer: 'A', points: 100, timeLimit,
  })),
  scoring: 'speed',
});
if (created.status !== 201 || typeof created.json?.contestId !== 'string')
  die(`POST /api/contests: ${created.status} ${created.text.slice(0, 300)}`);
const contestId = created.json.contestId;

// 2. The load processes, each with its own instance (user ids) and source
// addresses (4 each: the server's per-IP limit counts them apart).
const k = Math.ceil(participants / perProcess);
const dir = mkdtempSync(path.join(tmpdir(), 'timer-spread-'));
const children = [];
for (let i = 0; i < k; ++i) {
  const share = Math.floor(participants / k) + (i < participants % k ? 1 : 0);
  const first = 2 + 4 * i;
  if (first + 3 > 254) die('too many processes for 127.0.0.2-254');
  const json = path.join(dir, `load-${i}.json`);
  const argv = [path.join(repo, 'tools/scenarios/contest.json'), '--secret-file', secretFile,
    '--url', wsUrl, '--instance', String(i), '--threads', '1', '--quiet', '--json', json,
    '--source-addresses', `127.0.0.${first}-127.0.0.${first + 3}`,
    '--set', `participantsPerRoom=${share}`, '--set', `contest.id="${contestId}"`,
    '--set', 'contest.start=false', '--set', 'contest.recordTicks=true',
    '--set', `rampPerSecond=2000`, '--set', 'measure.serverStats=false',
    // The window opens at this process's ready line and ends on
    // contest_end: room for the others to join, the contest and a margin.
    '--set', `durationSeconds=${questions * timeLimit + 120}`];
  const [cmd, full] = pin ? ['taskset', ['-c', loadCpus, loadBin, ...argv]] : [loadBin, argv];
  const child = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  const c = { i, share, json, child, out: '', err: '', joined: -1 };
  c.ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      c.err += d;
      const m = c.err.match(/proctor-load: ready (\d+)\/(\d+) joined/);
      if (m && c.joined < 0) { c.joined = Number(m[1]); resolve(); }
    });
    child.on('exit', (code) => reject(new Error(`proctor-load ${i} exited ${code} before it was ready:\n${c.err}`)));
  });
  c.done = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout.on('data', (d) => (c.out += d));
  children.push(c);
}
const stopAll = () => { for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM'); };
process.on('SIGINT', () => { stopAll(); process.exit(130); });

// 3. Everyone in (at most 120 s), then start.
const t0 = Date.now();
try {
  await Promise.race([
    Promise.all(children.map((c) => c.ready)),
    new Promise((_, reject) => setTimeout(() => reject(new Error('not all processes ready within 120 s')), 120000)),
  ]);
} catch (e) {
  stopAll();
  die(e.message);
}
const joined = children.reduce((n, c) => n + c.joined, 0);
const joinSeconds = (Date.now() - t0) / 1000;
const info = await api('GET', `/api/contests/${contestId}`);
const serverCount = info.json?.participants;
const started = await api('POST', `/api/contests/${contestId}/start`);
if (started.status !== 200) { stopAll(); die(`POST /api/contests/${contestId}/start: ${started.status} ${started.text.slice(0, 300)}`); }

// 4. Until every process has had contest_end (or its window ran out).
const codes = await Promise.all(children.map((c) => c.done));

// 5. Merge the per-tick receipts.
const ticks = new Map();
let lost = 0, acked = 0, sent = 0, ends = 0, tickExpected = 0, tickReceived = 0;
const ackP99 = [];
const errors = {};
for (const c of children) {
  if (!existsSync(c.json)) continue;
  const r = JSON.parse(readFileSync(c.json, 'utf8'));
  for (const l of Object.values(r.loss ?? {})) lost += Math.max(0, l.lost);
  for (const [kind, n] of Object.entries(r.errors ?? {})) errors[kind] = (errors[kind] ?? 0) + n;
  const ct = r.contest ?? {};
  sent += ct.answers?.sent ?? 0;
  acked += ct.answers?.acked ?? 0;
  ends += ct.contestEnd?.received ?? 0;
  tickExpected += ct.timerUpdates?.expected ?? 0;
  tickReceived += ct.timerUpdates?.received ?? 0;
  ackP99.push(r.latencyMs?.ack?.p99 ?? 0);
  for (const t of ct.ticks ?? []) {
    const key = `${t.questionId}\u0000${t.remaining}`;
    const m = ticks.get(key);
    if (!m) ticks.set(key, { ...t });
    else {
      m.firstUs = Math.min(m.firstUs, t.firstUs);
      m.lastUs = Math.max(m.lastUs, t.lastUs);
      m.receipts += t.receipts;
    }
  }
}
const rows = [...ticks.values()];
const spread = quantiles(rows.map((t) => t.lastUs - t.firstUs));
const firstLate = quantiles(rows.map((t) => t.firstUs - t.dueUs));
const lastLate = quantiles(rows.map((t) => t.lastUs - t.dueUs));
const incomplete = rows.filter((t) => t.receipts < joined).length;
const failed = children.filter((c, i) => codes[i] !== 0 || !existsSync(c.json));

console.log(`contest ${contestId}: ${questions} questions x ${timeLimit} s; ${k} proctor-load process(es)` +
  `${pin ? ` on CPU ${loadCpus}` : ''}; ${joined}/${participants} joined in ${joinSeconds.toFixed(1)} s` +
  `${serverCount !== undefined ? ` (server counts ${serverCount})` : ''}`);
console.log();
console.log('| participants | processes | ticks | not to all | spread p50 / p99 / max ms | first late p50 / p99 / max ms | last late p50 / p99 / max ms | ack p99 ms (worst process) | lost |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(`| ${joined} | ${k} | ${rows.length} | ${incomplete} | ${triple(spread)} | ${triple(firstLate)} | ${triple(lastLate)} | ${Math.max(0, ...ackP99).toFixed(2)} | ${lost} |`);
console.log();
console.log(`check: answers ${acked}/${sent} acked, timer_update ${tickReceived}/${tickExpected}, contest_end ${ends}/${joined}, ` +
  `errors ${Object.keys(errors).length ? JSON.stringify(errors) : 'none'}`);
for (const c of failed) console.log(`proctor-load ${c.i} failed (exit ${codes[c.i]}):\n${c.err}${c.out}`);
if (keep) console.log(`reports kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(failed.length || lost > 0 || joined < participants ? 1 : 0);
