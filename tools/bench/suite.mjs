#!/usr/bin/env node
// The benchmark suite (README.md here): starts a server, drives it with
// tools/proctor-load (a scenario from tools/scenarios/), and prints one
// markdown table row per figure, for proctord and for the Node.js `ws`
// baseline (tools/bench/baseline/ws-server.mjs) measured in the same run.
// The sio-* scenarios drive proctord's Socket.IO door (seed 002's study
// rooms) and the Node `socket.io` baseline (baseline/sio-server.mjs; npm ci
// --prefix tools/bench) instead. The kernel probe (build/proctord-probe,
// tools/bench/probe/) is the third server of the fan-out scenarios (fanout,
// sio-fanout, contest-fanout): the kernel's limit for loopback fan-out, and
// each of those prints proctord's ratios to it and to Node in the same run.
//
//   node tools/bench/suite.mjs [idle] [storm] [fanout] [mix] [slow] [reconnect]
//       [violations] [sio-idle] [sio-storm] [sio-fanout] [contest-fanout] [contest-storm]
//       [--servers proctord,baseline,probe] [--no-pin] [--quick]
//
// With no scenario names it runs the native ones (not the sio-* nor the
// contest-* ones). The server is pinned to CPU 0
// and the load tool to CPU 1 (taskset) unless --no-pin. --quick shortens
// every run (for trying the suite, not for figures).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const wanted = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1] === '--servers'));
const all = ['idle', 'storm', 'fanout', 'mix', 'slow', 'reconnect', 'violations'];
const sioAll = ['sio-idle', 'sio-storm', 'sio-fanout'];
const otherAll = ['contest-fanout', 'contest-storm'];
const runs = wanted.length ? wanted : all;
const servers = option('--servers', 'proctord,baseline,probe').split(',');
for (const k of servers)
  if (!['proctord', 'baseline', 'probe'].includes(k)) throw new Error(`unknown server ${k} (proctord, baseline, probe)`);
/// The scenarios the kernel probe has a part in; the others skip it.
const probeScenarios = new Set(['fanout', 'sio-fanout', 'contest-fanout']);
const pin = !flag('--no-pin') && cpus().length >= 2;
const quick = flag('--quick');

const bin = (env, rel) => {
  const p = process.env[env] ?? path.join(repo, rel);
  if (!existsSync(p)) throw new Error(`${p} not found: build first (tools/dev test) or set ${env}`);
  return p;
};
const proctordBin = servers.includes('proctord') ? bin('PROCTORD_BIN', 'build/proctord') : null;
const probeBin = servers.includes('probe') ? bin('PROCTORD_PROBE_BIN', 'build/proctord-probe') : null;
const loadBin = bin('PROCTOR_LOAD_BIN', 'build/proctor-load');
const scenario = (name) => path.join(repo, 'tools/scenarios', `${name}.json`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/// proctord's native door keeps a dropped member for the presence grace
/// before USER_LEFT and the DISCONNECT violation go out (and are stored):
/// one run's 2,000 departures would land inside the next run's window on the
/// same server (a fan-out step's p99 went from 2.6 to 47 ms that way). A
/// run that follows another on the same proctord waits the grace out.
const presenceGraceSeconds = 10; // proctord's default, passed explicitly

const onCpu = (cpu, cmd, argv) => (pin ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv]);

/// Reads utime+stime (s) and VmRSS (KiB) of a process.
function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k) => Number((status.match(new RegExp(`${k}:\\s+(\\d+)`)) ?? [0, 0])[1]);
  return { cpu: ticks / 100, rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/// Starts proctord, the baseline or the kernel probe on CPU 0; resolves
/// {name, pid, port, secret, stop}.
/// `sio`: the Socket.IO baseline, and proctord's study-room limits out of
/// the way (sockets and users per address).
async function startServer(kind, extra = [], sio = false, contest = false) {
  const secret = randomBytes(32).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), `bench-${kind}-`));
  const sioLimits = sio ? ['--public-max-conns-per-ip', '100000', '--public-user-rate', '100000'] : [];
  const [cmd, argv] = kind === 'probe'
    ? onCpu(0, probeBin, ['--port', '0', '--bind', '127.0.0.1'])
    : kind === 'proctord'
    ? onCpu(0, proctordBin, ['--port', '0', '--bind', '127.0.0.1', '--db', path.join(dir, 'bench.db'),
        '--jwt-secret', secret, '--log-level', 'info', '--rate-limit', '1000000', '--rate-burst', '1000000',
        '--max-conns-per-ip', '20000', '--caf-threads', '1',
        '--presence-grace', String(presenceGraceSeconds), ...sioLimits, ...extra])
    : contest
      ? onCpu(0, process.execPath, [path.join(here, 'baseline/contest-server.mjs'), '--port', '0', '--secret', secret])
    : sio
      ? onCpu(0, process.execPath, [path.join(here, 'baseline/sio-server.mjs'), '--port', '0', '--secret', secret,
          '--max-conns-per-ip', '100000'])
      : onCpu(0, process.execPath, [path.join(here, 'baseline/ws-server.mjs'), '--port', '0', '--secret', secret]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${kind} did not start:\n${log}`)), 15000);
    const look = (d) => {
      log += d;
      const m = log.match(/listening on (?:[^\s:]+:)?(\d+)/);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (c) => reject(new Error(`${kind} exited ${c}:\n${log}`)));
  });
  child.removeAllListeners('exit');
  await sleep(300);
  return {
    kind, pid: child.pid, port, secret, db: path.join(dir, 'bench.db'), sio, contest,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 10000); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/// Runs proctor-load on CPU 1; resolves its JSON report. Every run gets
/// its own user ids (--instance), so that runs against one server never
/// meet each other's rooms.
let runs_so_far = 0;
async function load(server, name, sets = [], extra = []) {
  if (!extra.includes('--instance')) extra = [...extra, '--instance', String(1000 + runs_so_far++)];
  if (server.kind === 'proctord' && !server.sio && !server.contest && server.lastEnd)
    await sleep(Math.max(0, server.lastEnd + (presenceGraceSeconds + 1) * 1000 - Date.now()));
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
  const json = path.join(dir, 'r.json');
  const q = quick ? ['--set', 'durationSeconds=3', '--set', 'warmupSeconds=1'] : [];
  const urlPath = server.kind === 'probe' ? '/probe' : server.contest ? '/ws/contest' : server.sio ? '/socket.io/' : '/ws';
  const argv = [scenario(name), '--url', `ws://127.0.0.1:${server.port}${urlPath}`, '--secret', server.secret,
    '--server-pid', String(server.pid), '--json', json, '--quiet', ...q,
    ...sets.flatMap((s) => ['--set', s]), ...extra];
  const [cmd, full] = onCpu(1, loadBin, argv);
  const out = await new Promise((resolve) => {
    const c = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    c.stdout.on('data', (d) => { text += d; });
    c.stderr.on('data', (d) => { text += d; });
    c.on('exit', (code) => resolve({ code, text }));
  });
  server.lastEnd = Date.now();
  let report = null;
  try { report = JSON.parse(readFileSync(json, 'utf8')); } catch { /* below */ }
  rmSync(dir, { recursive: true, force: true });
  if (!report) throw new Error(`proctor-load ${name} failed (${out.code}):\n${out.text}`);
  if (Object.keys(report.errors).length)
    console.error(`  ${server.kind} ${name} ${sets.join(' ')}: errors ${JSON.stringify(report.errors)}`);
  return report;
}

async function stats(server) {
  return (await fetch(`http://127.0.0.1:${server.port}/api/stats`)).json();
}

const rows = [];
const label = { proctord: 'proctord', baseline: 'Node ws baseline', probe: 'kernel probe', ratio: 'ratio, same run' };
const sioLabel = { ...label, proctord: 'proctord Socket.IO door', baseline: 'Node socket.io baseline' };
const contestLabel = { ...label, proctord: 'proctord contest door', baseline: 'Node ws contest baseline' };
function row(scenarioName, figure, kind, value, target = '') {
  const who = (/\bsio\b/.test(scenarioName) ? sioLabel : /\bcontest\b/.test(scenarioName) ? contestLabel : label)[kind];
  const line = `| ${scenarioName} | ${figure} | ${who} | ${value} | ${target} |`;
  rows.push(line);
  console.log(line);
}
const f = (v, d = 0) => (v == null || Number.isNaN(v) ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const lost = (r) => Object.values(r.loss).reduce((s, l) => s + l.lost, 0);

// 1. Idle capacity: ~19k connections from 3 load processes, heartbeats every 25 s.
async function idle(kind) {
  const server = await startServer(kind);
  const processes = quick ? 1 : 3;
  const roomsEach = quick ? 10 : 63;
  const total = processes * roomsEach * 100;
  const before = proc(server.pid);
  const runsP = [];
  for (let k = 0; k < processes; k++) {
    runsP.push(load(server, 'idle', [`rooms=${roomsEach}`, 'rampPerSecond=250', 'warmupSeconds=1',
      `durationSeconds=${quick ? 20 : 60}`],
      ['--instance', String(k), '--threads', '1', '--source-addresses', `127.0.0.${2 + 2 * k}-127.0.0.${3 + 2 * k}`]));
  }
  // Everyone in, or the count stopped growing for 5 s.
  let open = 0;
  let still = 0;
  const deadline = Date.now() + 90000;
  while (Date.now() < deadline && open < total && still < 20) {
    await sleep(250);
    const now = (await stats(server)).connections;
    still = now === open && now > 0 ? still + 1 : 0;
    open = now;
  }
  await sleep(2000);
  const held = proc(server.pid);
  await sleep(quick ? 3000 : 10000);
  const later = proc(server.pid);
  const reports = await Promise.all(runsP);
  const failed = reports.reduce((s, r) => s + r.connections.failed, 0);
  const perConn = ((held.rss - before.rss) * 1024) / open;
  const idleCpu = ((later.cpu - held.cpu) / (quick ? 3 : 10)) * 100;
  row('1 idle capacity', 'connections held (failed)', kind, `${f(open)} (${failed})`, '~19,000');
  row('1 idle capacity', 'RSS per idle connection', kind, `${f(perConn / 1024, 2)} KiB`, '≤ 5 KiB');
  row('1 idle capacity', 'idle CPU, all connected', kind, `${f(idleCpu, 1)} %`);
  await server.stop();
}

// 2. Connection storm.
async function storm(kind) {
  const server = await startServer(kind);
  const r = await load(server, 'storm', quick ? ['rooms=10'] : []);
  row('2 connection storm', `handshakes/s (${f(r.connections.connected)} conns, ${r.connections.failed} failed)`, kind,
    f(r.connections.handshakesPerSecond), '≥ 4,000/s');
  row('2 connection storm', 'handshake p50 / p99', kind,
    `${f(r.latencyMs.handshake.p50, 1)} / ${f(r.latencyMs.handshake.p99, 1)} ms`);
  await server.stop();
}

/// Steps host.announce.perSecond of a 20 × 100 fan-out scenario until
/// delivered < 90 % of offered (or p99 > 200 ms); resolves the best step
/// {rate, got, r}.
async function saturate(server, name, kind) {
  const steps = quick ? [10, 40]
    : kind === 'probe' ? [20, 40, 80, 130, 200, 260, 330, 400] : [10, 20, 40, 60, 80, 100, 130, 160, 200];
  let best = null;
  let within = null;
  for (const rate of steps) {
    const r = await load(server, name, [`host.announce.perSecond=${rate}`]);
    const offered = rate * 20 * 100;
    const got = r.messages.deliveriesPerSecond;
    console.error(`  ${kind} ${name} ${rate}/s per sender: offered ${f(offered)}/s delivered ${f(got)}/s ` +
      `p99 ${f(r.latencyMs.delivery.p99, 1)} ms, ${f(r.server.cpuMicrosPerDelivery, 2)} µs/delivery`);
    if (!best || got > best.got) best = { rate, got, r };
    within = keepWithin(within, rate, got, r);
    if (got < 0.9 * offered || r.latencyMs.delivery.p99 > 200) break;
  }
  best.within = within;
  return best;
}

/// The latency bound of the "within" figures: the issue wants no seconds
/// under overload, so throughput bought with seconds of queueing is
/// reported apart (each server's best step whose delivery p99 stayed
/// within it).
const withinMs = 200;
function keepWithin(within, rate, got, r) {
  const p99 = r.latencyMs.delivery.p99;
  return p99 <= withinMs && (!within || got > within.got) ? { rate, got, p99 } : within;
}
const withinText = (w) => (w ? `${f(w.got)} (at ${w.rate}/s per sender, p99 ${f(w.p99, 1)} ms)` : 'none');
function withinRows(scenarioName, got) {
  const w = (k) => got[k]?.within?.got;
  row(scenarioName, `proctord ÷ kernel probe, best step with p99 ≤ ${withinMs} ms`, 'ratio', ratio(w('proctord'), w('probe')), '');
  row(scenarioName, `proctord ÷ Node, best step with p99 ≤ ${withinMs} ms`, 'ratio', ratio(w('proctord'), w('baseline')), '');
}

/// "a ÷ b" of two figures of the same run, or a dash.
const ratio = (a, b) => (a != null && b ? `${f(a / b, 2)}×` : '–');

/// The probe's figures at its best step: what it delivered, and what its
/// CPU per delivery projects for a whole core (1 s ÷ µs per delivery). When
/// the probe used well under a core, the load tool (one core for every
/// client) was the limit, not the kernel: the measured ratio to it is then
/// flattering, and the projection (conservative: the cost per delivery falls
/// as batches grow) is the honest denominator.
function probeFigures(r, got) {
  const cpuPct = (r.server.cpuSecondsInWindow / r.measuredSeconds) * 100;
  const us = r.server.cpuMicrosPerDelivery;
  return { sat: got, cpuPct, projected: us ? 1e6 / us : null, loadBound: cpuPct < 90 };
}
function probeRatios(scenarioName, got) {
  const p = got.proctord?.sat;
  const probe = got.probe;
  const bound = probe?.loadBound ? ` (probe at ${f(probe.cpuPct)} % of a core: bound by the load tool)` : '';
  row(scenarioName, `proctord ÷ kernel probe, deliveries/s measured${bound}`, 'ratio', ratio(p, probe?.sat), '≥ 0.8×');
  row(scenarioName, `proctord ÷ kernel probe projected to a full core (${f(probe?.projected)}/s)`, 'ratio',
    ratio(p, probe?.projected), '≥ 0.8×');
}

// 3 + 4. Fan-out stepped to saturation, then latency at 25 / 50 / 75 %.
// The kernel probe runs the same shape (probe-fanout.json: 20 senders, each
// to 100 others).
async function fanout(kind) {
  const server = await startServer(kind);
  const name = kind === 'probe' ? 'probe-fanout' : 'fanout';
  const best = await saturate(server, name, kind);
  const sat = best.got;
  const cpuPct = (best.r.server.cpuSecondsInWindow / best.r.measuredSeconds) * 100;
  row('3 room fan-out', 'deliveries/s at saturation (20 rooms of 100)', kind, f(sat), '≥ 170,000/s');
  row('3 room fan-out', 'server CPU per delivery (at saturation)', kind,
    `${f(best.r.server.cpuMicrosPerDelivery, 2)} µs (${f(cpuPct)} % of a core)`, '≤ 5 µs');
  row('3 room fan-out', `deliveries/s at the best step with p99 ≤ ${withinMs} ms`, kind, withinText(best.within), '');
  for (const share of [0.25, 0.5, 0.75]) {
    const rate = Math.max(1, (sat * share) / (20 * 100));
    const r = await load(server, name, [`host.announce.perSecond=${rate.toFixed(2)}`]);
    const d = r.latencyMs.delivery;
    row(`4 latency at ${share * 100} %`, `p50 / p99 / p99.9 (${f(r.messages.deliveriesPerSecond)}/s)`, kind,
      `${f(d.p50, 2)} / ${f(d.p99, 2)} / ${f(d.p999, 2)} ms`, share === 0.5 ? 'p99 ≤ 10 ms' : '');
  }
  await server.stop();
  return { ...(kind === 'probe' ? probeFigures(best.r, sat) : { sat }), within: best.within };
}
fanout.after = (got) => {
  probeRatios('3 room fan-out', got);
  withinRows('3 room fan-out', got);
  row('3 room fan-out', 'proctord ÷ Node ws, deliveries/s', 'ratio', ratio(got.proctord?.sat, got.baseline?.sat), '≥ 1.5×');
};

// 5. Assessment mix.
async function mix(kind) {
  const server = await startServer(kind);
  const r = await load(server, 'mix', quick ? ['rooms=20'] : []);
  let stored = '';
  if (kind === 'proctord') {
    const n = execFileSync('sqlite3', [server.db, 'SELECT COUNT(*) FROM submissions']).toString().trim();
    stored = `, ${n} stored`;
  }
  row('5 assessment mix', `lost (of ${f(Object.values(r.loss).reduce((s, l) => s + l.expected, 0))} expected)`, kind,
    `${lost(r)} (${f(r.delivered.submissionAck ?? 0)} submissions acked${stored}, errors ${Object.keys(r.errors).length})`, '0');
  row('5 assessment mix', 'p99 delivery / p99 submission ack', kind,
    `${f(r.latencyMs.delivery.p99, 2)} / ${f(r.latencyMs.ack.p99, 2)} ms`);
  await server.stop();
}

// 6a. Slow readers: p99 of the others against the same run without them.
async function slow(kind) {
  const server = await startServer(kind, kind === 'proctord' ? ['--send-queue-bytes', '262144', '--socket-send-buffer', '65536'] : []);
  const base = await load(server, 'slow-readers', ['slowReaders.fraction=0']);
  const closedBefore = (await stats(server)).slowConsumersClosed ?? 0;
  const r = await load(server, 'slow-readers');
  const closed = ((await stats(server)).slowConsumersClosed ?? 0) - closedBefore;
  const p = proc(server.pid);
  row('6 slow readers (5 %)', 'others\' p99: baseline → with slow readers', kind,
    `${f(base.latencyMs.delivery.p99, 2)} → ${f(r.latencyMs.delivery.p99, 2)} ms`, '≤ 2× baseline');
  row('6 slow readers (5 %)', 'slow clients closed by server; server peak RSS', kind,
    `${kind === 'proctord' ? closed : 'n/a (no limit)'}; ${f(r.server.peakRssKiB / 1024, 0)} MiB (VmHWM ${f(p.hwm / 1024)} MiB)`, 'bounded');
  await server.stop();
}

// 6b. Reconnect storm: everyone drops and resumes at once.
async function reconnect(kind) {
  if (kind !== 'proctord') {
    row('6 reconnect storm', 'all back (RESUME)', kind, 'n/a: no resume');
    return;
  }
  const server = await startServer(kind);
  const r = await load(server, 'reconnect-storm');
  row('6 reconnect storm', `all ${f(r.reconnect?.clients)} back within`, kind,
    r.reconnect?.allBackMs != null ? `${f(r.reconnect.allBackMs)} ms (p99 ${f(r.latencyMs.reconnect.p99)} ms)` :
      `${r.reconnect?.back}/${r.reconnect?.clients} back`, '≤ 5,000 ms');
  row('6 reconnect storm', 'server peak RSS', kind, `${f(r.server.peakRssKiB / 1024)} MiB`);
  await server.stop();
}

// S1. Socket.IO idle capacity: one load process (18,900 sockets fit under
// 20,000 open files) over source addresses 127.0.0.2-7, rooms of 100, every
// socket joined; users are created before the ramp, so the report's
// server.idle sample (after them) splits their cost from the sockets'.
async function sioIdle(kind) {
  const server = await startServer(kind, [], true);
  const rooms = quick ? 10 : 189;
  const before = proc(server.pid);
  const r = await load(server, 'sio-idle', [`rooms=${rooms}`, 'rampPerSecond=500', 'warmupSeconds=1',
    `durationSeconds=${quick ? 10 : 30}`],
    ['--threads', '1', '--source-addresses', '127.0.0.2-127.0.0.7']);
  const open = r.connections.connected;
  const s = r.server;
  const usersKiB = s.idle ? s.idle.rssKiB - before.rss : null;
  const perSocket = s.bytesPerConnection != null ? s.bytesPerConnection / 1024 : null;
  const withUser = s.connected ? ((s.connected.rssKiB - before.rss) / open) : null;
  const idleCpu = s.cpuSecondsInWindow != null ? (s.cpuSecondsInWindow / r.measuredSeconds) * 100 : null;
  row('S1 sio idle', `sockets joined (of ${f(rooms * 100)}; failed)`, kind,
    `${f(r.connections.joined)} (${r.connections.failed}; errors ${Object.keys(r.errors).length})`, '~19,000');
  row('S1 sio idle', 'RSS per idle joined socket (users created before)', kind, `${f(perSocket, 2)} KiB`, '≤ 5 KiB');
  row('S1 sio idle', 'RSS per socket with its user and membership', kind,
    `${f(withUser, 2)} KiB (users alone: ${f(usersKiB / 1024, 1)} MiB)`);
  row('S1 sio idle', 'server CPU, all idle (Engine.IO pings every 25 s)', kind, `${f(idleCpu, 1)} %`);
  row('S1 sio idle', 'join p50 / p99 (join-room → own user-joined), ramp', kind,
    `${f(r.latencyMs.join.p50, 1)} / ${f(r.latencyMs.join.p99, 1)} ms, ${f(r.connections.rampSeconds, 1)} s`);
  await server.stop();
}

// S2. Socket.IO connection storm: Engine.IO WebSocket + CONNECT to a namespace.
async function sioStorm(kind) {
  const server = await startServer(kind, [], true);
  const r = await load(server, 'sio-storm', quick ? ['rooms=10'] : []);
  row('S2 sio storm', `handshakes/s (${f(r.connections.connected)} sockets, ${r.connections.failed} failed)`, kind,
    f(r.connections.handshakesPerSecond), '≥ 4,000/s');
  row('S2 sio storm', 'handshake p50 / p99 (TCP connect → CONNECT answer)', kind,
    `${f(r.latencyMs.handshake.p50, 1)} / ${f(r.latencyMs.handshake.p99, 1)} ms`);
  await server.stop();
}

// S3. Study room fan-out: admin broadcasts into 20 full rooms of 100,
// stepped until delivered < 90 % of offered; then the latency at 50 %.
async function sioFanout(kind) {
  if (kind === 'probe') { // the kernel's limit at the same shape
    const server = await startServer(kind);
    const best = await saturate(server, 'probe-fanout', kind);
    const cpuPct = (best.r.server.cpuSecondsInWindow / best.r.measuredSeconds) * 100;
    row('S3 sio fan-out', 'deliveries/s at saturation (20 rooms of 100, the same 64-byte frames)', kind,
      `${f(best.got)} (at ${best.rate}/s per room; ${f(best.r.server.cpuMicrosPerDelivery, 2)} µs, ${f(cpuPct)} % of a core)`, '');
    row('S3 sio fan-out', `deliveries/s at the best step with p99 ≤ ${withinMs} ms`, kind, withinText(best.within), '');
    await server.stop();
    return { ...probeFigures(best.r, best.got), within: best.within };
  }
  const server = await startServer(kind, [], true);
  const steps = quick ? [10, 40] : [10, 20, 40, 60, 80, 100, 130, 160, 200];
  let best = null;
  let within = null;
  for (const rate of steps) {
    const r = await load(server, 'sio-fanout', [`host.announce.perSecond=${rate}`]);
    const offered = rate * 20 * 100;
    const got = r.messages.deliveriesPerSecond;
    const l = r.loss.roomBroadcast ?? { expected: 0, lost: 0 };
    console.error(`  ${kind} sio fan-out ${rate}/s per room: offered ${f(offered)}/s delivered ${f(got)}/s ` +
      `p99 ${f(r.latencyMs.delivery.p99, 1)} ms, ${f(r.server.cpuMicrosPerDelivery, 2)} µs/delivery, ` +
      `lost ${l.lost} of ${l.expected}, POST p99 ${f(r.latencyMs.ack.p99, 1)} ms`);
    if (!best || got > best.got) best = { rate, got, r, l };
    within = keepWithin(within, rate, got, r);
    if (got < 0.9 * offered || r.latencyMs.delivery.p99 > 200) break;
  }
  const cpuPct = (best.r.server.cpuSecondsInWindow / best.r.measuredSeconds) * 100;
  row('S3 sio fan-out', 'deliveries/s at saturation (20 rooms of 100, admin broadcasts)', kind,
    `${f(best.got)} (at ${best.rate}/s per room)`, '');
  row('S3 sio fan-out', 'server CPU per delivery (at saturation)', kind,
    `${f(best.r.server.cpuMicrosPerDelivery, 2)} µs (${f(cpuPct)} % of a core)`, '');
  row('S3 sio fan-out', `deliveries/s at the best step with p99 ≤ ${withinMs} ms`, kind, withinText(within), '');
  row('S3 sio fan-out', 'lost at saturation (expected = joined sockets per broadcast)', kind,
    `${best.l.lost} of ${f(best.l.expected)}`, '0');
  const rate = Math.max(1, (best.got * 0.5) / (20 * 100));
  const r = await load(server, 'sio-fanout', [`host.announce.perSecond=${rate.toFixed(2)}`]);
  const d = r.latencyMs.delivery;
  row('S3 sio fan-out', `latency at 50 %: p50 / p99 / p99.9 (${f(r.messages.deliveriesPerSecond)}/s)`, kind,
    `${f(d.p50, 2)} / ${f(d.p99, 2)} / ${f(d.p999, 2)} ms (POST p99 ${f(r.latencyMs.ack.p99, 2)} ms)`);
  await server.stop();
  return { sat: best.got, within };
}
sioFanout.after = (got) => {
  probeRatios('S3 sio fan-out', got);
  withinRows('S3 sio fan-out', got);
  row('S3 sio fan-out', 'proctord ÷ Node socket.io, deliveries/s', 'ratio', ratio(got.proctord?.sat, got.baseline?.sat), '≥ 1.5×');
};

// 7. Violations under persistence: 2,000 candidates in 100 rooms of 20 send
// 5,000 violations/s in all; p99 from the candidate's send to its host's
// VIOLATION_DETECTED (proctord: after the commit; the Node baseline keeps
// them in memory), server CPU per violation; then, on a fresh server, the
// assessment mix's p99 submission ack.
async function violations(kind) {
  let server = await startServer(kind);
  const rooms = 100; // also with --quick: the CPU per violation needs the full rate
  const r = await load(server, 'violations', [`rooms=${rooms}`]);
  const d = r.latencyMs.delivery;
  const v = r.loss.violation ?? { expected: 0, lost: 0 };
  // The hosts receive nothing but VIOLATION_DETECTED in the window (no
  // heartbeats, no announcements), so CPU per delivery is CPU per violation.
  const perViolation = r.server.cpuMicrosPerDelivery;
  const cpuPct = (r.server.cpuSecondsInWindow / r.measuredSeconds) * 100;
  row('7 violations', `p50 / p99 / p99.9 candidate → host (${f(r.messages.deliveriesPerSecond)}/s of ${f(rooms * 20 * 2.5)}/s offered)`,
    kind, `${f(d.p50, 2)} / ${f(d.p99, 2)} / ${f(d.p999, 2)} ms`, '≤ 2× Node\'s p99');
  row('7 violations', 'server CPU per violation', kind,
    `${f(perViolation, 2)} µs (${f(cpuPct)} % of a core)`, '≤ 25 µs');
  row('7 violations', 'lost (of expected); errors', kind,
    `${v.lost} (of ${f(v.expected)}); ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : 'none'}`, '0');
  await server.stop();
  server = await startServer(kind);
  const m = await load(server, 'mix', quick ? ['rooms=20'] : []);
  row('7 violations', 'assessment mix (mix.json): p99 submission ack', kind,
    `${f(m.latencyMs.ack.p99, 2)} ms (lost ${lost(m)})`, '≤ 5 ms');
  await server.stop();
  return { p99: d.p99 };
}
violations.after = (got) => {
  row('7 violations', 'proctord ÷ Node ws, p99 candidate → host', 'ratio',
    ratio(got.proctord?.p99, got.baseline?.p99), '≤ 2×');
};

// C1. Contest door fan-out: one timer_update to N participants (10,000;
// 1,000 with --quick). proctord's contest door and the Node `ws` contest
// baseline (baseline/contest-server.mjs) are driven by timer_spread.mjs (a
// contest of 2 questions × 12 s, N / 5,000 proctor-load processes on CPU 1);
// the kernel probe gets N receivers in one room and one sender at 1/s
// (probe-fanout.json, every announcement a tick). Deliveries/s = N ÷ the
// median spread between the first and the last receipt of one tick.
async function contestFanout(kind) {
  const n = quick ? 1000 : 10000;
  const questions = quick ? 1 : 2;
  const limit = quick ? 6 : 12;
  let spread = null; // {median, p99} ms
  let note = '';
  let usPerDelivery = null;
  if (kind === 'probe') {
    const server = await startServer(kind);
    const r = await load(server, 'probe-fanout', ['rooms=1', `participantsPerRoom=${n}`, 'host.announce.perSecond=1',
      'contest.recordTicks=true', 'warmupSeconds=1', `durationSeconds=${questions * limit}`, 'measure.serverStats=false'],
    ['--source-addresses', '127.0.0.2-127.0.0.5']);
    const t = r.timerSpread;
    if (t) spread = { median: t.spreadMs.median, p99: t.spreadMs.p99 };
    usPerDelivery = r.server.cpuMicrosPerDelivery;
    note = `${t?.ticks ?? 0} ticks, ${f(r.connections.joined - 1)} receivers, ${f(usPerDelivery, 2)} µs/delivery`;
    await server.stop();
  } else {
    const server = await startServer(kind, [], false, true);
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-contest-'));
    const secretFile = path.join(dir, 'secret');
    writeFileSync(secretFile, server.secret);
    const argv = [path.join(here, 'timer_spread.mjs'), '--url', `http://127.0.0.1:${server.port}`, '--secret-file', secretFile,
      '--participants', String(n), '--questions', String(questions), '--time-limit', String(limit),
      '--proctor-load', loadBin, ...(pin ? ['--load-cpus', '1'] : ['--no-pin'])];
    const out = await new Promise((resolve) => {
      const c = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      c.stdout.on('data', (d) => { text += d; });
      c.stderr.on('data', (d) => { text += d; });
      c.on('exit', (code) => resolve({ code, text }));
    });
    rmSync(dir, { recursive: true, force: true });
    const line = out.text.split('\n').find((l) => /^\| \d+ \| \d+ \|/.test(l));
    if (line) {
      const cols = line.split('|').map((c) => c.trim());
      const [p50, p99] = cols[5].split(' / ').map(Number);
      spread = { median: p50, p99 };
      note = `${cols[3]} ticks (${cols[4]} not to all), lost ${cols[9]}`;
    }
    if (out.code !== 0) console.error(`  ${kind} contest-fanout: timer_spread exited ${out.code}:\n${out.text}`);
    await server.stop();
  }
  const perSecond = spread && spread.median > 0 ? n / (spread.median / 1000) : null;
  row('C1 contest fan-out', `timer_update to ${f(n)}: spread p50 / p99 (${note})`, kind,
    spread ? `${f(spread.median, 1)} / ${f(spread.p99, 1)} ms` : 'failed');
  row('C1 contest fan-out', 'deliveries/s = participants ÷ median spread', kind, f(perSecond));
  if (kind !== 'probe') return { sat: perSecond };
  // The probe's share of the spread it was busy writing: well under 100 %
  // means the load tool's reading made the spread, not the kernel.
  const cpuPct = usPerDelivery && spread ? ((usPerDelivery * n) / (spread.median * 1000)) * 100 : 100;
  return { sat: perSecond, cpuPct, projected: usPerDelivery ? 1e6 / usPerDelivery : null, loadBound: cpuPct < 90 };
}
contestFanout.after = (got) => {
  probeRatios('C1 contest fan-out', got);
  row('C1 contest fan-out', 'proctord ÷ Node ws contest baseline, deliveries/s', 'ratio',
    ratio(got.proctord?.sat, got.baseline?.sat), '≥ 1.5×');
};

// C2. Contest connection storm: 5,000 upgrades to /ws/contest (JWT at the
// upgrade) as fast as the tool can, each then joining one contest.
async function contestStorm(kind) {
  const server = await startServer(kind, [], false, true);
  const n = quick ? 1000 : 5000;
  const r = await load(server, 'contest', [`participantsPerRoom=${n}`, 'rampPerSecond=1000000', 'contest.start=false',
    'warmupSeconds=0', 'durationSeconds=1', 'drainSeconds=1', 'measure.serverStats=false'],
  ['--source-addresses', '127.0.0.2-127.0.0.5']);
  row('C2 contest storm', `handshakes/s (${f(r.connections.connected)} conns, ${r.connections.failed} failed; joined ${f(r.connections.joined)})`,
    kind, f(r.connections.handshakesPerSecond), '≥ 3× Node');
  row('C2 contest storm', 'handshake p50 / p99', kind,
    `${f(r.latencyMs.handshake.p50, 1)} / ${f(r.latencyMs.handshake.p99, 1)} ms`);
  await server.stop();
  return { rate: r.connections.handshakesPerSecond };
}
contestStorm.after = (got) => {
  row('C2 contest storm', 'proctord ÷ Node ws contest baseline, handshakes/s', 'ratio',
    ratio(got.proctord?.rate, got.baseline?.rate), '≥ 3×');
};

const table = { idle, storm, fanout, mix, slow, reconnect, violations,
  'sio-idle': sioIdle, 'sio-storm': sioStorm, 'sio-fanout': sioFanout,
  'contest-fanout': contestFanout, 'contest-storm': contestStorm };
console.log(`proctord bench suite, ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0].model}, ` +
  `pinned: ${pin ? 'server CPU 0, load CPU 1' : 'no'}`);
console.log('| scenario | figure | server | measured | target |');
console.log('|---|---|---|---|---|');
for (const name of runs) {
  if (!table[name]) throw new Error(`unknown scenario ${name} (${[...all, ...sioAll, ...otherAll].join(', ')})`);
  const got = {};
  for (const kind of servers) {
    if (kind === 'probe' && !probeScenarios.has(name)) continue;
    got[kind] = await table[name](kind);
  }
  if (table[name].after) table[name].after(got);
}
