// tools/proctor-load against the real server: a small scenario (4 rooms of
// 1 host + 5 candidates for 3 s) whose report must agree with what the
// server says it received and delivered (/api/stats), with what it stored
// (the SQLite file), and with no loss; the tool's refusals; and the contest
// scenario (seed 001) with no loss and every acknowledged answer stored; a
// short socketio fan-out (seed 002) with no loss; and the sio-session and
// sio-exam scenarios (seeds 003 and 004): everyone joined, offsets in
// order, cursors timed, every answer acked, stored and shown to its teacher.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, sql } from './lib/harness.mjs';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const scenarios = path.resolve(here, '../../tools/scenarios');

function loadBin() {
  const bin = process.env.PROCTOR_LOAD_BIN;
  if (!bin || !existsSync(bin))
    throw new Error('PROCTOR_LOAD_BIN must point at the built proctor-load');
  return bin;
}

/// Runs proctor-load; resolves {code, stdout, stderr} whatever the exit code.
async function proctorLoad(args, timeout = 60_000) {
  try {
    const { stdout, stderr } = await execFileP(loadBin(), args, { timeout });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (e.code === undefined || typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('proctor-load runs a scenario against proctord', () => {
  let server;
  let dir;
  let report;
  let run;

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-it-'));
    const json = path.join(dir, 'report.json');
    run = await proctorLoad([path.join(scenarios, 'smoke.json'),
      '--url', `ws://127.0.0.1:${server.port}/ws`, '--secret', server.secret,
      '--server-pid', String(server.child.pid), '--json', json, '--threads', '2']);
    assert.equal(run.code, 0, `proctor-load failed:\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(await readFile(json, 'utf8'));
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every connection opened, joined its room and stayed', () => {
    const c = report.connections;
    assert.equal(c.target, 24);
    assert.equal(c.connected, 24);
    assert.equal(c.failed, 0);
    assert.equal(c.closedByServer, 0);
    assert.deepEqual(report.errors, {});
    assert.equal(report.latencyMs.join.count, 24, 'every host created and every candidate was admitted');
    assert.equal(report.latencyMs.handshake.count, 24);
  });

  test('its counts equal what the server says it received and delivered', () => {
    const s = report.server;
    assert.ok(s.statsBefore && s.statsAfter, 'the tool read /api/stats before and after');
    assert.ok(report.messages.sentTotal > 300, `sent ${report.messages.sentTotal}`);
    assert.equal(s.messagesInDelta, report.messages.sentTotal,
      'frames the server read = frames the tool wrote');
    assert.equal(s.messagesOutDelta, report.messages.receivedTotal,
      'frames the server wrote = frames the tool read');
  });

  test('nothing expected was lost and every acknowledged submission is stored', async () => {
    for (const [what, l] of Object.entries(report.loss)) {
      assert.ok(l.expected > 0, `${what}: something was sent`);
      assert.equal(l.lost, 0, `${what}: ${l.delivered}/${l.expected}`);
    }
    const acked = report.delivered.submissionAck;
    assert.ok(acked > 50, `acked ${acked}`);
    const [{ n }] = await server.sql('SELECT COUNT(*) AS n FROM submissions');
    assert.equal(n, acked, 'one stored row per acknowledged submission');
    const [{ v }] = await server.sql(
      "SELECT COUNT(*) AS v FROM violations WHERE type <> 'DISCONNECT'");
    assert.equal(v, report.delivered.violation, 'one stored row per violation shown to a host');
  });

  test('latency and server figures are filled in and sane', () => {
    const d = report.latencyMs.delivery;
    assert.ok(d.count > 100, `delivery samples ${d.count}`);
    assert.ok(d.p50 > 0 && d.p50 <= d.p90 && d.p90 <= d.p99 && d.p99 <= d.p999 && d.p999 <= d.max);
    assert.ok(report.latencyMs.ack.count > 50);
    assert.ok(report.server.windowEnd.cpuSeconds >= report.server.windowStart.cpuSeconds);
    assert.ok(report.server.peakRssKiB > 1000);
    assert.match(run.stdout, /proctor-load report: smoke/);
    assert.match(run.stderr, /conns 24 open, 0 failed/, 'a live progress line');
  });
});

describe('proctor-load refuses what it must not do', () => {
  test('a target that is not loopback is refused before any connection', async () => {
    const r = await proctorLoad([path.join(scenarios, 'smoke.json'),
      '--url', 'ws://192.0.2.10:5050/ws', '--secret', 'x'], 10_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /192\.0\.2\.10 is not a loopback address/);
    assert.doesNotMatch(r.stderr, /conns/);
  });

  test('a bad scenario file is refused with the key that is wrong', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-bad-'));
    try {
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ url: 'ws://127.0.0.1:1/ws', rooms: 1,
        participant: { submit: { perSecnd: 3 } } }));
      const r = await proctorLoad([bad, '--secret', 'x'], 10_000);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /bad\.json: participant\.submit\.perSecnd: unknown key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('no secret, no run', async () => {
    const r = await proctorLoad([path.join(scenarios, 'smoke.json')], 10_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no secret/);
  });
});

describe('proctor-load runs the contest scenario against proctord', () => {
  let server;
  let dir;
  let report;

  before(async () => {
    server = await startServer({ args: ['--leaderboard-interval', '1'] });
    dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-contest-'));
    const json = path.join(dir, 'report.json');
    // 40 participants, 2 questions of 3 s: proctor-load creates the contest
    // over HTTP, starts it once everyone joined, answers every question.
    const run = await proctorLoad([path.join(scenarios, 'contest.json'),
      '--url', `ws://127.0.0.1:${server.port}/ws/contest`,
      '--secret', server.secret, '--json', json, '--quiet',
      '--set', 'participantsPerRoom=40', '--set', 'contest.questions=2',
      '--set', 'contest.timeLimitSeconds=3']);
    assert.equal(run.code, 0, `proctor-load failed:\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(await readFile(json, 'utf8'));
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('nothing is lost: every answer acked, every tick and contest_end arrived', () => {
    for (const [what, t] of Object.entries(report.loss))
      assert.equal(t.lost, 0, `${what}: ${JSON.stringify(t)}`);
    assert.equal(report.contest.joined, 40);
    assert.equal(report.contest.answers.sent, 80);
    assert.equal(report.contest.answers.acked, 80);
    assert.equal(report.contest.contestEnd.received, 40);
    // 3 ticks a question (3, 2, 1), to each of the 40.
    assert.equal(report.contest.timerUpdates.received, 40 * 2 * 3);
    assert.ok(report.contest.leaderboardUpdatesPerParticipant >= 1);
  });

  test('every acknowledged answer is a row, and the contest completed', async () => {
    const rows = await sql(server.db, 'SELECT COUNT(*) AS n FROM contest_answers');
    assert.equal(Number(rows[0].n), report.contest.answers.acked);
    const status = await sql(server.db, 'SELECT status FROM contests');
    assert.deepEqual(status.map(r => r.status), ['COMPLETED']);
  });
});

describe('proctor-load runs the socketio scenario against proctord', () => {
  let server;
  let dir;
  let report;
  let run;

  before(async () => {
    server = await startServer({
      args: ['--public-max-conns-per-ip', '1000', '--public-user-rate', '1000'],
    });
    dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-sio-'));
    const json = path.join(dir, 'report.json');
    // 2 study rooms of 20 sockets over two source addresses: proctor-load
    // creates the rooms (admin) and each user from its socket's address,
    // every socket joins, the admin broadcasts 5 times a second per room.
    run = await proctorLoad([path.join(scenarios, 'sio-fanout.json'),
      '--url', `ws://127.0.0.1:${server.port}/socket.io/`,
      '--secret', server.secret, '--json', json, '--quiet',
      '--server-pid', String(server.child.pid),
      '--source-addresses', '127.0.0.2-127.0.0.3',
      '--set', 'rooms=2', '--set', 'participantsPerRoom=20',
      '--set', 'host.announce.perSecond=5', '--set', 'warmupSeconds=0.5',
      '--set', 'durationSeconds=2', '--set', 'drainSeconds=2']);
    assert.equal(run.code, 0, `proctor-load failed:\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(await readFile(json, 'utf8'));
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every socket connected and joined, none failed, no errors', () => {
    assert.equal(report.dialect, 'socketio');
    assert.equal(report.connections.target, 40);
    assert.equal(report.connections.connected, 40);
    assert.equal(report.connections.failed, 0);
    assert.equal(report.connections.closedByServer, 0);
    assert.equal(report.connections.joined, 40);
    assert.deepEqual(report.errors, {});
    assert.match(run.stderr, /created 2 study rooms and 40 users/);
    // The handshake ends at the CONNECT answer, once a socket.
    assert.equal(report.latencyMs.handshake.count, 40);
    assert.equal(report.latencyMs.join.count, 40);
    assert.ok(report.connections.handshakesPerSecond > 0);
  });

  test('broadcasts are delivered to every joined socket, none lost', () => {
    const b = report.loss.roomBroadcast;
    assert.ok(b, JSON.stringify(report.loss));
    assert.ok(b.delivered > 0);
    assert.equal(b.lost, 0, JSON.stringify(b));
    // ~5/s per room for 2 s, 20 sockets each: well over a hundred.
    assert.ok(b.expected >= 100, JSON.stringify(b));
    assert.ok(report.latencyMs.delivery.count > 0);
    assert.ok(report.latencyMs.delivery.p99 < 1000);
    assert.ok(report.latencyMs.ack.count > 0); // the POSTs' answers
    assert.ok(report.messages.deliveriesPerSecond > 0);
    assert.ok(report.server.cpuMicrosPerDelivery > 0);
    // Every join told every socket of its room: 1 + 2 + ... + 20 at least.
    assert.ok(report.delivered.presence >= 2 * 210, JSON.stringify(report.delivered));
  });

  test('the rooms are the server\'s, sized as asked', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/public/rooms`);
    const { rooms } = await res.json();
    assert.equal(rooms.length, 2);
    for (const r of rooms) assert.equal(r.capacity, 20);
  });
});

describe('proctor-load runs the sio-session scenario against proctord', () => {
  let server;
  let dir;
  let report;
  let run;

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-session-'));
    const json = path.join(dir, 'report.json');
    // 3 sessions of 1 instructor + 4 learners on /api/socket/: each
    // instructor opens its session, the learners join it, everyone moves
    // its cursor 5 times a second.
    run = await proctorLoad([path.join(scenarios, 'sio-session.json'),
      '--url', `ws://127.0.0.1:${server.port}/api/socket/`,
      '--secret', server.secret, '--json', json, '--quiet',
      '--set', 'rooms=3', '--set', 'participantsPerRoom=4',
      '--set', 'warmupSeconds=0.5', '--set', 'durationSeconds=2',
      '--set', 'drainSeconds=2']);
    assert.equal(run.code, 0, `proctor-load failed:\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(await readFile(json, 'utf8'));
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every socket connected with its token and joined its session, no errors', () => {
    assert.equal(report.dialect, 'sio-session');
    const c = report.connections;
    assert.equal(c.target, 15);
    assert.equal(c.connected, 15);
    assert.equal(c.failed, 0);
    assert.equal(c.closedByServer, 0);
    assert.equal(c.joined, 15);
    // No error event, no refused CONNECT, and the offsets never went back.
    assert.deepEqual(report.errors, {});
    assert.equal(report.latencyMs.handshake.count, 15);
    assert.equal(report.latencyMs.join.count, 15);
  });

  test('each join told everyone already in: n(n-1)/2 user-joined a session', () => {
    assert.equal(report.delivered.userJoined, 3 * (5 * 4) / 2, JSON.stringify(report.delivered));
  });

  test('cursors reach the others, timed by the stamp they carry', () => {
    const m = report.coalesced.cursorMoved;
    assert.ok(m, JSON.stringify(report.coalesced));
    // 15 sockets × 5/s × ~2.5 s × 4 others each: several hundred at most.
    assert.ok(m.atMost >= 300, JSON.stringify(m));
    assert.ok(m.delivered > 0 && m.delivered <= m.atMost, JSON.stringify(m));
    assert.equal(report.loss.cursorMoved, undefined, 'coalesced: no loss figure');
    const d = report.latencyMs.delivery;
    assert.ok(d.count > 0);
    assert.ok(d.p50 > 0 && d.p50 <= d.p99 && d.p99 < 1000, JSON.stringify(d));
  });

  test('each session is stored, opened by its instructor under the id it chose', async () => {
    const rows = await server.sql(
      'SELECT sessionId, createdBy FROM collab_sessions ORDER BY createdBy');
    assert.deepEqual(rows.map(r => r.createdBy), ['i0-r0-h0', 'i0-r1-h0', 'i0-r2-h0']);
    for (const r of rows)
      assert.match(r.sessionId, new RegExp(`^load-[0-9a-f]{16}-${r.createdBy.slice(0, -3)}$`));
  });
});

describe('proctor-load runs the sio-exam scenario against proctord', () => {
  let server;
  let dir;
  let report;
  let run;

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(path.join(tmpdir(), 'proctor-load-exam-'));
    const json = path.join(dir, 'report.json');
    // 2 exams of 1 teacher + 5 students on /socket.io/: each teacher
    // creates its exam over REST and monitors it, each student answers
    // 4 times a second, never the same question twice.
    run = await proctorLoad([path.join(scenarios, 'sio-exam.json'),
      '--url', `ws://127.0.0.1:${server.port}/socket.io/`,
      '--secret', server.secret, '--json', json, '--quiet',
      '--set', 'rooms=2', '--set', 'participantsPerRoom=5',
      '--set', 'participant.submit.perSecond=4', '--set', 'exam.questionCount=1000',
      '--set', 'warmupSeconds=0.5', '--set', 'durationSeconds=2',
      '--set', 'drainSeconds=3']);
    assert.equal(run.code, 0, `proctor-load failed:\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(await readFile(json, 'utf8'));
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every teacher monitors and every student is in its exam, no errors', () => {
    assert.equal(report.dialect, 'sio-exam');
    const c = report.connections;
    assert.equal(c.target, 12);
    assert.equal(c.connected, 12);
    assert.equal(c.failed, 0);
    assert.equal(c.closedByServer, 0);
    assert.equal(c.joined, 12);
    // No exam-error, no refused answer, no offset out of order.
    assert.deepEqual(report.errors, {});
    assert.match(run.stderr, /created 2 exams/);
    assert.equal(report.latencyMs.join.count, 12);
  });

  test('every answer is acknowledged, shown to its student and to the teacher', () => {
    const { answerAck, answerSubmitted, progressUpdate } = report.loss;
    // 10 students × 4/s × ~2.5 s: well over fifty answers.
    assert.ok(answerAck && answerAck.expected >= 50, JSON.stringify(report.loss));
    assert.equal(answerAck.lost, 0, JSON.stringify(answerAck));
    assert.equal(answerSubmitted.expected, answerAck.delivered);
    assert.equal(answerSubmitted.lost, 0, JSON.stringify(answerSubmitted));
    // One monitoring teacher an exam: one progress-update an answer.
    assert.equal(progressUpdate.expected, answerAck.delivered);
    assert.equal(progressUpdate.lost, 0, JSON.stringify(progressUpdate));
    assert.equal(report.delivered.answerRefused, undefined);
    const a = report.latencyMs.ack;
    assert.ok(a.count > 0 && a.count <= answerAck.delivered);
    assert.ok(a.p50 > 0 && a.p50 <= a.p99, JSON.stringify(a));
    assert.equal(report.headline, 'ack');
  });

  test('every acknowledged answer is a row in the database', async () => {
    const [{ n }] = await server.sql('SELECT COUNT(*) AS n FROM exam_answers');
    assert.equal(Number(n), report.delivered.answerAck);
  });
});
