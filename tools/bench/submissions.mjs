#!/usr/bin/env node
// Submission throughput and latency of a real proctord (see README.md here).
//
// Starts proctord on a free loopback port with a temporary database, creates
// R private rooms of P participants each (all approved, rooms LIVE), then for
// D seconds every participant keeps W SUBMIT_CODE messages in flight, each
// with its own idempotencyKey, and measures acknowledged submissions per
// second and the send → SUBMISSION_RECEIVED latency. The clients run in
// worker threads (rooms are dealt out to them) so that one event loop is not
// the bottleneck; each worker's event-loop utilisation is reported to show it.
//
//   node tools/bench/submissions.mjs [--proctord PATH] [--rooms 20]
//     [--participants 10] [--window 4] [--duration 10] [--warmup 1]
//     [--db-sync normal|full] [--workers 2] [--code-bytes 256] [--keep]

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
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

function token(sub, name, secret) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, iat: now, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// -- the worker: some rooms' clients ----------------------------------------------

async function workerMain() {
  const WebSocket = loadWs();
  const { url, secret, rooms, participants, window: W, codeBytes, id } = workerData;
  const filler = 'x'.repeat(Math.max(0, codeBytes - 40));
  const conns = [];

  function open(label) {
    const ws = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
    const c = { ws, label, waiters: [], onMsg: null };
    ws.on('message', (data) => {
      const m = JSON.parse(data);
      if (c.onMsg) { c.onMsg(m); return; }
      const i = c.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) c.waiters.splice(i, 1)[0].resolve(m);
    });
    ws.on('error', () => {});
    ws.on('close', (code) => { c.closed = code; });
    conns.push(c);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }
  const waitFor = (c, pred, what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker ${id} ${c.label}: no ${what} in 20 s`)), 20000);
    c.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
  });
  const send = (c, o) => c.ws.send(JSON.stringify(o));

  // Set up the rooms.
  const ps = [];
  for (const r of rooms) {
    const host = await open(`host ${r}`);
    const created = waitFor(host, (m) => m.type === 'ROOM_CREATED', 'ROOM_CREATED');
    send(host, { type: 'CREATE_ROOM', token: token(`bench-host-${r}`, `Host ${r}`, secret), roomname: `Bench ${r}`, maxGuests: participants, duration: 600 });
    const roomId = (await created).data.roomId;
    const mine = [];
    await Promise.all(Array.from({ length: participants }, async (_, i) => {
      const userId = `bench-p${r}-${i}`;
      const p = await open(userId);
      p.roomId = roomId;
      const req = waitFor(host, (m) => m.type === 'JOIN_REQUEST' && m.data.userId === userId, 'JOIN_REQUEST');
      const ok = waitFor(p, (m) => m.type === 'JOIN_APPROVED', 'JOIN_APPROVED');
      send(p, { type: 'JOIN_ROOM', token: token(userId, `P ${r}.${i}`, secret), roomId });
      await req;
      send(host, { type: 'APPROVE_JOIN', roomId, userId, approve: true });
      await ok;
      mine.push(p);
    }));
    const started = [host, ...mine].map((c) => waitFor(c, (m) => m.type === 'ROOM_STARTED', 'ROOM_STARTED'));
    send(host, { type: 'START_ROOM', roomId });
    await Promise.all(started);
    // The host only counts what it is shown (it must read: a host that stops
    // reading is dropped).
    host.onMsg = () => {};
    ps.push(...mine);
  }

  parentPort.postMessage({ type: 'ready' });
  const go = await new Promise((resolve) => parentPort.once('message', resolve));

  // The run: W in flight per participant; acks arrive in send order.
  const lat = new Float64Array(4_000_000);
  let nLat = 0;
  let acked = 0;
  let ackedAll = 0;
  let sent = 0;
  let errors = 0;
  const errorCodes = {};
  let measuring = false;
  let sending = true;
  let outstanding = 0;
  let drained;
  const drainedP = new Promise((resolve) => { drained = resolve; });
  let keyN = 0;
  const sendOne = (p) => {
    keyN += 1;
    const key = `w${id}-${keyN}`;
    p.inflight.push(performance.now());
    outstanding += 1;
    sent += 1;
    p.ws.send(`{"type":"SUBMIT_CODE","roomId":"${p.roomId}","language":"javascript","idempotencyKey":"${key}","code":"// ${key} ${filler}"}`);
  };
  for (const p of ps) {
    p.inflight = [];
    p.head = 0;
    p.onMsg = (m) => {
      if (m.type === 'SUBMISSION_RECEIVED' || m.type === 'ERROR') {
        const t0 = p.inflight[p.head];
        p.head += 1;
        if (p.head > 1024) { p.inflight = p.inflight.slice(p.head); p.head = 0; }
        outstanding -= 1;
        if (m.type === 'ERROR') {
          errors += 1;
          errorCodes[m.code] = (errorCodes[m.code] ?? 0) + 1;
        } else {
          ackedAll += 1;
          if (measuring) {
            acked += 1;
            if (nLat < lat.length) lat[nLat++] = performance.now() - t0;
          }
        }
        if (sending) sendOne(p);
        else if (outstanding === 0) drained();
      }
    };
  }
  const warmupEnd = Date.now() + go.warmupMs;
  for (const p of ps) for (let k = 0; k < W; k += 1) sendOne(p);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, warmupEnd - Date.now())));
  measuring = true;
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, go.durationMs));
  measuring = false;
  const elapsed = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  sending = false;
  if (outstanding > 0) await Promise.race([drainedP, new Promise((r) => setTimeout(r, 10000))]);
  const closedEarly = conns.filter((c) => c.closed !== undefined).map((c) => `${c.label}: ${c.closed}`);
  const latencies = lat.slice(0, nLat);
  parentPort.postMessage({
    type: 'result', acked, ackedAll, sent, errors, errorCodes, elapsed, elu: elu.utilization,
    outstanding, closedEarly, latencies,
  }, [latencies.buffer]);
  for (const c of conns) c.ws.close();
}

// -- the main thread: proctord, workers, figures -------------------------------------

function parseArgs(argv) {
  const o = {
    proctord: process.env.PROCTORD_BIN ?? path.join(repo, 'build/proctord'),
    rooms: 20, participants: 10, window: 4, duration: 10, warmup: 1, dbSync: 'normal',
    workers: 1, codeBytes: 256, keep: false,
  };
  const num = (v, k) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${k} wants a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => { i += 1; if (argv[i] === undefined) throw new Error(`${a} needs a value`); return argv[i]; };
    switch (a) {
      case '--proctord': o.proctord = v(); break;
      case '--rooms': o.rooms = num(v(), 'rooms'); break;
      case '--participants': o.participants = num(v(), 'participants'); break;
      case '--window': o.window = num(v(), 'window'); break;
      case '--duration': o.duration = num(v(), 'duration'); break;
      case '--warmup': o.warmup = Number(v()); break;
      case '--db-sync': o.dbSync = v(); break;
      case '--workers': o.workers = num(v(), 'workers'); break;
      case '--code-bytes': o.codeBytes = num(v(), 'code-bytes'); break;
      case '--keep': o.keep = true; break;
      case '--help': case '-h':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).join('\n'));
        process.exit(0);
        break;
      default:
        if (!a.startsWith('--') && i === 0) o.proctord = a;
        else throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (!['normal', 'full'].includes(o.dbSync)) throw new Error('--db-sync is normal or full');
  if (o.participants > 1000) throw new Error('--participants is at most 1000 (maxGuests)');
  return o;
}

function cpuTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return NaN;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const bin = path.resolve(o.proctord);
  if (!existsSync(bin)) throw new Error(`no proctord at ${bin} (pass --proctord PATH or set PROCTORD_BIN)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'proctord-bench-'));
  const db = path.join(dir, 'bench.db');
  const secret = randomBytes(32).toString('hex');
  const args = ['--port', '0', '--bind', '127.0.0.1', '--db', db, '--jwt-secret', secret,
    '--rate-limit', '1000000', '--rate-burst', '1000000', '--db-sync', o.dbSync];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
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
  const url = `ws://127.0.0.1:${port}`;
  let failed = false;
  try {
    const nWorkers = Math.min(o.workers, o.rooms);
    const rooms = Array.from({ length: nWorkers }, () => []);
    for (let r = 0; r < o.rooms; r += 1) rooms[r % nWorkers].push(r);
    const workers = rooms.map((rs, id) => new Worker(fileURLToPath(import.meta.url), {
      workerData: { url, secret, rooms: rs, participants: o.participants, window: o.window, codeBytes: o.codeBytes, id },
    }));
    const next = (w) => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const setupStart = Date.now();
    await Promise.all(workers.map(next)); // ready
    const setupMs = Date.now() - setupStart;
    const resultsP = workers.map(next);
    const ticks0 = cpuTicks(child.pid);
    const wall0 = performance.now();
    for (const w of workers) w.postMessage({ durationMs: o.duration * 1000, warmupMs: o.warmup * 1000 });
    const results = await Promise.all(resultsP);
    const wall = (performance.now() - wall0) / 1000;
    const ticks = cpuTicks(child.pid) - ticks0;
    await Promise.all(workers.map((w) => w.terminate()));

    const acked = results.reduce((a, r) => a + r.acked, 0);
    const ackedAll = results.reduce((a, r) => a + r.ackedAll, 0);
    const sent = results.reduce((a, r) => a + r.sent, 0);
    const errors = results.reduce((a, r) => a + r.errors, 0);
    const elapsed = Math.max(...results.map((r) => r.elapsed)) / 1000;
    const lat = new Float64Array(results.reduce((a, r) => a + r.latencies.length, 0));
    let off = 0;
    for (const r of results) { lat.set(r.latencies, off); off += r.latencies.length; }
    lat.sort();
    const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
    const row = {
      rooms: o.rooms, participants: o.participants, window: o.window, seconds: o.duration, sync: o.dbSync,
      acked, perSec: Math.round(acked / elapsed), p50: fmt(percentile(lat, 50)), p99: fmt(percentile(lat, 99)),
      p999: fmt(percentile(lat, 99.9)), max: fmt(lat[lat.length - 1]), errors,
      elu: results.map((r) => r.elu.toFixed(2)).join('/'),
      serverCpu: `${Math.round((ticks / 100 / wall) * 100)}%`,
    };

    // The database must hold every acknowledged submission.
    let rows = '?';
    try {
      rows = Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, 'select count(*) from submissions'], { encoding: 'utf8' }).trim());
    } catch { /* no sqlite3 CLI: skip the check */ }

    console.log(`command: node ${path.relative(process.cwd(), fileURLToPath(import.meta.url)) || 'submissions.mjs'} ${process.argv.slice(2).join(' ')}`.trim());
    console.log(`proctord: ${bin} ${args.join(' ').replace(secret, '<secret>')}`);
    console.log(`setup: ${o.rooms * (o.participants + 1)} connections in ${setupMs} ms, ${nWorkers} client worker(s); ` +
      `warm-up ${o.warmup} s, measured ${elapsed.toFixed(2)} s`);
    console.log('');
    console.log('| rooms | participants | window | s | db-sync | acked | acked/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | client ELU | server CPU |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    console.log(`| ${row.rooms} | ${row.participants} | ${row.window} | ${row.seconds} | ${row.sync} | ${row.acked} | ${row.perSec} | ${row.p50} | ${row.p99} | ${row.p999} | ${row.max} | ${row.errors} | ${row.elu} | ${row.serverCpu} |`);
    console.log('');
    const outstanding = results.reduce((a, r) => a + r.outstanding, 0);
    const closed = results.flatMap((r) => r.closedEarly);
    console.log(`check: ${sent} sent, ${ackedAll} acked in all (warm-up and drain included), ${errors} errors` +
      `${errors ? ` ${JSON.stringify(Object.assign({}, ...results.map((r) => r.errorCodes)))}` : ''}, ` +
      `${outstanding} unanswered, ${rows} rows in submissions`);
    if (closed.length) console.log(`closed by the server during the run: ${closed.slice(0, 5).join(', ')}${closed.length > 5 ? ' …' : ''}`);
    if (results.some((r) => r.elu > 0.9)) {
      console.log('warning: a client worker was busy > 90% of the time: the client may be the bottleneck (try --workers)');
    }
    if (outstanding || closed.length || (rows !== '?' && rows !== ackedAll)) failed = true;
  } finally {
    child.kill('SIGTERM');
    const e = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 10000))]);
    if (!e) { child.kill('SIGKILL'); failed = true; console.log('proctord did not exit within 10 s of SIGTERM'); }
    else if (e.code !== 0) { failed = true; console.log(`proctord exited ${JSON.stringify(e)}\n${log.slice(-3000)}`); }
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
  if (failed) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((err) => { console.error(err.stack ?? err); process.exitCode = 1; });
} else {
  workerMain().catch((err) => { console.error(err.stack ?? err); process.exit(1); });
}
