// Crash recovery under load, the proof of "Ordered events, resume and
// idempotency" (protocol/README.md): 4 live rooms of 1 host and 10
// participants; every participant keeps submitting code and reporting
// violations, each with a unique idempotencyKey; the server is killed with
// SIGKILL at a random moment 4 times in a row and restarted on the same
// database; after each restart every client RESUMEs with its resume token and
// the last seq it saw, and resends what it has not seen acknowledged.
//
// What must hold at the end:
// - every acknowledged submission is in the database exactly once, with the
//   acknowledged submissionTime, and nothing else is;
// - every violation a host was shown is in the database exactly once (by
//   userId and violationCount) under the key it was sent with, and every
//   violation in the database was shown;
// - PRAGMA integrity_check is ok;
// - per client, the seqs it received over all its connections (live and
//   replayed) are strictly increasing and are exactly the events the log
//   addresses to it, from its first seq to its last (no gaps, no extras).
//
// Submissions go one at a time per participant, so an ack is unambiguous.
// Violations have no ack: the host's VIOLATION_DETECTED for a participant
// confirms its oldest unconfirmed violation (one connection's messages are
// committed in order), and after a restart a participant resends the ones
// its host has not been shown once the host's replay is complete.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  startServer, sql, eventLog, addressedTo, brief, DURABLE_TYPES,
} from './lib/harness.mjs';
import { now } from './lib/clock.mjs';

const ROOMS = 4;
const PARTICIPANTS = 10;
const KILLS = 4;
const FINAL_PHASE_MS = 1500;
const THINK_MS = 4; // a participant pauses 0..THINK_MS between actions
const ANSWER_TIMEOUT_MS = 10000;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const VIOLATION_TYPE = { FULLSCREEN_EXIT: 'FULLSCREEN_EXIT', TAB_BLUR: 'TAB_SWITCH' };

/// Waits until cond() holds, checking every 20 ms; fails with `what` after
/// `timeout` ms.
async function waitUntil(cond, timeout, what) {
  const until = now() + timeout;
  while (!cond()) {
    if (now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what()}`);
    await sleep(20);
  }
}

/// One user across all its connections: what it received, its seat and,
/// for participants, what it sent and what was acknowledged.
class Agent {
  constructor(run, { userId, name, role, index }) {
    Object.assign(this, { run, userId, name, role, index });
    this.label = `${role} ${userId}`;
    this.ws = null;
    this.open = false;
    this.waiters = [];
    this.seqs = []; // every seq received, in arrival order, all connections
    this.lastSeq = 0;
    this.firstSeq = undefined;
    this.memberFrom = role === 'host' ? 0 : undefined;
    this.resumeToken = null;
    this.roomId = null;
    this.connections = 0;
    this.replayLeft = 0;
    this.resumedLastSeq = 0;
    this.inReplay = false;
    this.stats = { replayed: 0, resumes: 0, lateAfterReplay: 0 };
    // participant
    this.subCounter = 0;
    this.violationCounter = 0;
    this.pendingSub = null; // {key, sends, verify, time}
    this.subAnswer = null; // resolves the wait for the pending submission's answer
    this.acked = new Map(); // key → submissionTime
    this.lastAckedKey = null;
    this.unconfirmed = []; // violations sent, not yet shown to the host: {key, type}
    this.confirmed = []; // {key, type, violationCount}
    this.verifyNext = false;
  }

  anomaly(text, msg) {
    this.run.anomalies.push(`[${this.label}] ${text}${msg ? `: ${brief(msg)}` : ''}`);
  }

  connect(url) {
    const ws = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
    this.ws = ws;
    this.connections += 1;
    return new Promise((resolve, reject) => {
      ws.once('open', () => { this.open = true; resolve(); });
      ws.once('error', (err) => { if (!this.open) reject(err); });
      ws.on('error', () => {}); // a killed server resets the connection
      ws.on('message', (data) => this.onMessage(JSON.parse(data.toString('utf8'))));
      ws.on('close', () => {
        if (this.ws !== ws) return;
        this.open = false;
        this.replayLeft = 0;
        if (this.subAnswer) this.subAnswer('closed');
        for (const w of this.waiters.splice(0)) w.reject(new Error(`[${this.label}] connection closed while waiting for ${w.what}`));
      });
    });
  }

  send(obj) {
    if (this.open) this.ws.send(JSON.stringify(obj));
  }

  /// Resolves with the first message satisfying pred (checked after the
  /// message is processed).
  waitFor(pred, what, timeout = ANSWER_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      const w = { pred, what, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`[${this.label}] no ${what} within ${timeout} ms`));
      }, timeout);
      const done = (f) => (v) => { clearTimeout(w.timer); f(v); };
      w.resolve = done(resolve);
      w.reject = done(reject);
      this.waiters.push(w);
    });
  }

  onMessage(m) {
    this.inReplay = m.seq !== undefined && this.replayLeft > 0;
    if (m.seq !== undefined) {
      if (!(Number.isInteger(m.seq) && m.seq > this.lastSeq)) {
        this.anomaly(`seq ${m.seq} after ${this.lastSeq} (duplicate or out of order)`, m);
      }
      this.seqs.push(m.seq);
      this.lastSeq = Math.max(this.lastSeq, m.seq);
      this.firstSeq ??= m.seq;
      if (this.replayLeft > 0) {
        this.replayLeft -= 1;
        this.stats.replayed += 1;
        if (m.seq > this.resumedLastSeq) this.anomaly(`replayed seq ${m.seq} beyond RESUMED.lastSeq ${this.resumedLastSeq}`, m);
      } else if (this.resumedLastSeq && m.seq <= this.resumedLastSeq) {
        // Live after the replay but numbered at or below RESUMED.lastSeq.
        this.stats.lateAfterReplay += 1;
        if (this.run.lateExamples.length < 5) {
          this.run.lateExamples.push(`${this.label}: RESUMED.lastSeq ${this.resumedLastSeq}, replay ended at ` +
            `${this.replayEndSeq}, then live ${m.type} seq ${m.seq}`);
        }
      }
      if (this.replayLeft === 0 && this.inReplay) this.replayEndSeq = m.seq;
    } else {
      if (DURABLE_TYPES.has(m.type) && m.type !== 'SUBMISSION_RECEIVED') this.anomaly('durable event without seq', m);
      if (this.replayLeft > 0) this.anomaly(`a ${m.type} without seq inside the replay`, m);
    }
    switch (m.type) {
      case 'ROOM_CREATED':
        this.roomId = m.data.roomId;
        this.resumeToken = m.data.resumeToken;
        break;
      case 'WAITING_APPROVAL':
        this.resumeToken = m.resumeToken;
        break;
      case 'JOIN_APPROVED':
        this.resumeToken = m.data.resumeToken;
        this.memberFrom ??= m.seq;
        break;
      case 'RESUMED':
        this.stats.resumes += 1;
        this.replayEndSeq = this.lastSeq;
        this.replayLeft = m.replayed;
        this.resumedLastSeq = m.lastSeq;
        break;
      case 'RESYNC_REQUIRED':
        this.anomaly('RESYNC_REQUIRED within the grace period', m);
        break;
      case 'VIOLATION_DETECTED':
        if (this.role === 'host') this.run.onViolationShown(this, m);
        break;
      case 'SUBMISSION_RECEIVED':
        this.onSubmissionAck(m);
        break;
      case 'ERROR':
        if (m.code === 'STORE_UNAVAILABLE' && m.requestType === 'SUBMIT_CODE' && this.subAnswer) {
          this.subAnswer('retry');
        } else {
          this.anomaly('unexpected ERROR', m);
        }
        break;
      default:
    }
    for (let i = 0; i < this.waiters.length; i += 1) {
      if (this.waiters[i].pred(m)) {
        const [w] = this.waiters.splice(i, 1);
        w.resolve(m);
        break;
      }
    }
  }

  // -- participant --------------------------------------------------------

  onSubmissionAck(m) {
    const p = this.pendingSub;
    if (!p) {
      this.anomaly('SUBMISSION_RECEIVED with no submission pending', m);
      return;
    }
    const known = this.acked.get(p.key);
    if (known !== undefined) {
      // A resend of an acknowledged key: the original time, no new event.
      if (m.submissionTime !== known || m.seq !== undefined) {
        this.anomaly(`resend of acked ${p.key} (time ${known}) answered differently`, m);
      }
      this.run.counts.verifiedResends += 1;
    } else {
      if (m.seq === undefined && p.sends === 1) this.anomaly(`first send of ${p.key} acked as a resend`, m);
      if (m.seq === undefined && p.sends > 1) {
        this.anomaly(`resend of ${p.key} acked without seq: it was committed before, but its ` +
          'SUBMISSION_RECEIVED was not replayed', m);
      }
      this.acked.set(p.key, m.submissionTime);
      this.lastAckedKey = p.key;
      this.run.counts.acks += 1;
      if (p.sends > 1) this.run.counts.ackedAfterResend += 1;
      if (this.inReplay) this.run.counts.ackedByReplay += 1;
    }
    this.pendingSub = null;
    if (this.subAnswer) this.subAnswer('ack');
  }

  sendViolation() {
    const type = Math.random() < 0.5 ? 'FULLSCREEN_EXIT' : 'TAB_BLUR';
    this.violationCounter += 1;
    const v = { key: `${this.userId}-v${this.violationCounter}`, type };
    this.unconfirmed.push(v);
    this.send({ type, roomId: this.roomId, idempotencyKey: v.key });
  }

  resendUnconfirmed() {
    for (const v of this.unconfirmed) {
      this.send({ type: v.type, roomId: this.roomId, idempotencyKey: v.key });
      this.run.counts.violationResends += 1;
    }
  }

  /// Sends the pending submission; resolves 'ack', 'retry' or 'closed'.
  submitPending() {
    const p = this.pendingSub;
    p.sends += 1;
    p.connection = this.connections;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.anomaly(`no answer to SUBMIT_CODE ${p.key} within ${ANSWER_TIMEOUT_MS} ms`);
        this.subAnswer = null;
        resolve('timeout');
      }, ANSWER_TIMEOUT_MS);
      this.subAnswer = (outcome) => {
        clearTimeout(timer);
        this.subAnswer = null;
        resolve(outcome);
      };
      this.send({
        type: 'SUBMIT_CODE', roomId: this.roomId, code: `// ${p.key}\nexport const answer = ${p.sends};`,
        language: 'javascript', idempotencyKey: p.key,
      });
    });
  }

  async loop() {
    while (this.open && !this.run.stopping) {
      if (!this.pendingSub && this.verifyNext && this.lastAckedKey) {
        // Resend an acknowledged key once after a restart: must be acked
        // again with its original submissionTime.
        this.pendingSub = { key: this.lastAckedKey, sends: 1 };
      }
      this.verifyNext = false;
      if (!this.pendingSub) {
        if (Math.random() < 0.6) this.sendViolation();
        this.subCounter += 1;
        this.pendingSub = { key: `${this.userId}-s${this.subCounter}`, sends: 0 };
      }
      const outcome = await this.submitPending();
      if (outcome === 'closed' || outcome === 'timeout') break;
      if (outcome === 'retry') this.run.counts.storeUnavailable += 1;
      if (THINK_MS > 0) await sleep(Math.random() * THINK_MS);
    }
  }

  /// RESUME on a new connection; resolves once the replay is in.
  async resume(url) {
    await this.connect(url);
    const reply = this.waitFor((m) => ['RESUMED', 'RESYNC_REQUIRED', 'ERROR'].includes(m.type), 'the RESUME answer');
    this.send({ type: 'RESUME', resumeToken: this.resumeToken, lastSeq: this.lastSeq });
    const r = await reply;
    if (r.type !== 'RESUMED') throw new Error(`[${this.label}] RESUME answered ${brief(r)}`);
    if (this.replayLeft > 0) await this.waitFor(() => this.replayLeft === 0, `the ${r.replayed} replayed events`);
    return r;
  }
}

// What the load run saw, for the second test.
let loadRun = null;

test('crash recovery: 4 × kill -9 under continuous submissions and violations', { timeout: 180000 }, async () => {
  const started = now();
  let srv = await startServer({ args: ['--rate-limit', '100000', '--rate-burst', '100000'] });
  const run = {
    lateExamples: [],
    anomalies: [],
    stopping: false,
    counts: {
      acks: 0, ackedAfterResend: 0, ackedByReplay: 0, verifiedResends: 0, storeUnavailable: 0,
      violationsShown: 0, violationResends: 0,
    },
    byUser: new Map(),
    onViolationShown(host, m) {
      run.counts.violationsShown += 1;
      const p = run.byUser.get(m.data.userId);
      const v = p?.unconfirmed.shift();
      if (!v) {
        host.anomaly('VIOLATION_DETECTED for no violation sent and unconfirmed (shown twice, or a DISCONNECT)', m);
        return;
      }
      if (VIOLATION_TYPE[v.type] !== m.data.violationType) {
        host.anomaly(`VIOLATION_DETECTED type ${m.data.violationType} for ${v.key}, sent as ${v.type}`, m);
      }
      const shown = { key: v.key, type: m.data.violationType, violationCount: m.data.violationCount, seq: m.seq };
      p.confirmed.push(shown);
    },
  };
  const hosts = [];
  const participants = [];
  const phases = [];
  try {
    // -- rooms: all approved and LIVE -----------------------------------------
    await Promise.all(Array.from({ length: ROOMS }, async (_, r) => {
      const host = new Agent(run, { userId: `crash-host-${r}`, name: `Host ${r}`, role: 'host', index: r });
      hosts.push(host);
      run.byUser.set(host.userId, host);
      await host.connect(srv.url);
      const created = host.waitFor((m) => m.type === 'ROOM_CREATED', 'ROOM_CREATED');
      host.send({
        type: 'CREATE_ROOM', token: srv.token(host.userId, host.name), roomname: `Crash room ${r}`,
        maxGuests: PARTICIPANTS, duration: 60,
      });
      await created;
      const mine = [];
      for (let i = 0; i < PARTICIPANTS; i += 1) {
        const p = new Agent(run, { userId: `crash-p${r}-${i}`, name: `Participant ${r}.${i}`, role: 'participant', index: i });
        p.host = host;
        p.roomId = host.roomId;
        participants.push(p);
        mine.push(p);
        run.byUser.set(p.userId, p);
        await p.connect(srv.url);
        const waiting = p.waitFor((m) => m.type === 'WAITING_APPROVAL', 'WAITING_APPROVAL');
        const approved = p.waitFor((m) => m.type === 'JOIN_APPROVED', 'JOIN_APPROVED');
        const request = host.waitFor((m) => m.type === 'JOIN_REQUEST' && m.data.userId === p.userId, 'JOIN_REQUEST');
        p.send({ type: 'JOIN_ROOM', token: srv.token(p.userId, p.name), roomId: host.roomId });
        await waiting;
        await request;
        host.send({ type: 'APPROVE_JOIN', roomId: host.roomId, userId: p.userId, approve: true });
        await approved;
      }
      const startedAll = [host, ...mine].map((a) => a.waitFor((m) => m.type === 'ROOM_STARTED', 'ROOM_STARTED'));
      host.send({ type: 'START_ROOM', roomId: host.roomId });
      await Promise.all(startedAll);
    }));

    // -- load, kill -9, restart, resume, resend: KILLS times, then a last run --
    for (let phase = 0; phase <= KILLS; phase += 1) {
      const before = { ...run.counts };
      const t0 = now();
      run.stopping = false;
      const loops = participants.map((p) => p.loop());
      if (phase < KILLS) {
        await sleep(500 + Math.random() * 1500);
        const killedAfter = now() - t0;
        const outcome = await srv.kill({ keepFiles: true });
        assert.equal(outcome.signal, 'SIGKILL', `phase ${phase}: the server died otherwise: ${JSON.stringify(outcome)}\n${srv.logTail(30)}`);
        await Promise.all(loops);
        await waitUntil(() => [...hosts, ...participants].every((a) => !a.open), 5000,
          () => 'every connection to notice the kill');
        const t1 = now();
        srv = await srv.restart();
        const restartMs = now() - t1;
        const replayedBefore = [...hosts, ...participants].reduce((a, x) => a + x.stats.replayed, 0);
        // Hosts first: once their replay is in, a participant's unconfirmed
        // violations are exactly the ones never committed.
        await Promise.all(hosts.map((h) => h.resume(srv.url)));
        await Promise.all(participants.map(async (p) => {
          await p.resume(srv.url);
          p.resendUnconfirmed();
          p.verifyNext = true;
        }));
        const replayed = [...hosts, ...participants].reduce((a, x) => a + x.stats.replayed, 0) - replayedBefore;
        phases.push({
          phase, killedAfterMs: killedAfter, restartMs, replayed,
          acks: run.counts.acks - before.acks, shown: run.counts.violationsShown - before.violationsShown,
        });
      } else {
        await sleep(FINAL_PHASE_MS);
        run.stopping = true;
        await Promise.all(loops);
        phases.push({
          phase, final: true, acks: run.counts.acks - before.acks,
          shown: run.counts.violationsShown - before.violationsShown,
        });
      }
    }

    // -- quiesce: everything sent is acknowledged or shown, everyone caught up --
    await waitUntil(() => participants.every((p) => p.unconfirmed.length === 0 && !p.pendingSub), 10000,
      () => `every violation to be shown to its host (unconfirmed: ${brief(participants
        .filter((p) => p.unconfirmed.length || p.pendingSub)
        .map((p) => `${p.userId}: ${p.unconfirmed.map((v) => v.key).join(',')} ${p.pendingSub?.key ?? ''}`))})`);
    const logs = new Map();
    for (const h of hosts) logs.set(h.roomId, await eventLog(srv.db, h.roomId));
    const who = (a) => ({ userId: a.userId, host: a.role === 'host', memberFrom: a.memberFrom });
    const roomOf = (a) => (a.role === 'host' ? a.roomId : a.host.roomId);
    const agents = [...hosts, ...participants];
    await waitUntil(() => agents.every((a) => {
      const mine = logs.get(roomOf(a)).filter((e) => addressedTo(e, who(a)));
      return a.lastSeq >= (mine.at(-1)?.seq ?? 0);
    }), 5000, () => 'every client to receive the last event addressed to it');

    const stopped = await srv.stop({ keepFiles: true });
    assert.equal(stopped.code, 0, `final SIGTERM: ${JSON.stringify(stopped)}\n${srv.logTail(30)}`);

    // -- the proof --------------------------------------------------------------
    assert.deepEqual(run.anomalies.slice(0, 30), [],
      `${run.anomalies.length} anomalies seen by the clients (first 30 shown)`);

    const [{ integrity_check: integrity }] = await sql(srv.db, 'pragma integrity_check');
    assert.equal(integrity, 'ok', 'PRAGMA integrity_check');

    const dupSubs = await sql(srv.db, `select idempotencyKey k, count(*) n from submissions
      group by 1 having count(*) > 1`);
    assert.deepEqual(dupSubs, [], 'submissions stored more than once');
    const subs = await sql(srv.db, 'select userId, idempotencyKey k, submittedAt t from submissions');
    const stored = new Map(subs.map((s) => [s.k, s]));
    let ackedTotal = 0;
    for (const p of participants) {
      for (const [key, time] of p.acked) {
        ackedTotal += 1;
        const row = stored.get(key);
        assert.ok(row, `acknowledged submission ${key} is not in the database`);
        assert.equal(row.userId, p.userId, `${key} stored for ${row.userId}`);
        assert.equal(row.t, time, `${key}: submittedAt ${row.t} vs acknowledged submissionTime ${time}`);
      }
    }
    const unacked = subs.filter((s) => !run.byUser.get(s.userId)?.acked.has(s.k));
    assert.deepEqual(unacked.slice(0, 10), [], `${unacked.length} stored submissions were never acknowledged`);
    assert.equal(subs.length, ackedTotal);

    const dupViolations = await sql(srv.db, `select roomId, userId, idempotencyKey k, count(*) n
      from violations group by 1, 2, 3 having count(*) > 1`);
    assert.deepEqual(dupViolations, [], 'violations stored more than once under one key');
    const vrows = await sql(srv.db, 'select userId, type, violationCount c, idempotencyKey k from violations');
    const byUserCount = new Map();
    for (const v of vrows) {
      const id = `${v.userId}#${v.c}`;
      byUserCount.set(id, [...(byUserCount.get(id) ?? []), v]);
    }
    let shownTotal = 0;
    for (const p of participants) {
      p.confirmed.forEach((s, i) => {
        shownTotal += 1;
        assert.equal(s.violationCount, i + 1, `${p.userId}: the host was shown count ${s.violationCount} as its violation no. ${i + 1}`);
        const rows = byUserCount.get(`${p.userId}#${s.violationCount}`) ?? [];
        assert.equal(rows.length, 1, `${p.userId} violation no. ${s.violationCount} (shown to the host) is in the database ${rows.length} times`);
        assert.equal(rows[0].type, s.type, `${p.userId} violation no. ${s.violationCount}: type`);
        assert.equal(rows[0].k, s.key, `${p.userId} violation no. ${s.violationCount}: stored key vs the key it was sent with`);
      });
    }
    assert.equal(vrows.length, shownTotal, 'every stored violation was shown to a host');
    assert.ok(!vrows.some((v) => v.type === 'DISCONNECT'), 'no DISCONNECT violation for the server\'s own crashes');

    for (const a of agents) {
      const s = a.seqs;
      for (let i = 1; i < s.length; i += 1) {
        assert.ok(s[i] > s[i - 1], `${a.label}: seq ${s[i]} after ${s[i - 1]}`);
      }
      const expected = logs.get(roomOf(a))
        .filter((e) => e.seq >= a.firstSeq && e.seq <= a.lastSeq && addressedTo(e, who(a)))
        .map((e) => e.seq);
      const got = new Set(s);
      const missing = expected.filter((x) => !got.has(x));
      const want = new Set(expected);
      const extra = s.filter((x) => !want.has(x));
      assert.deepEqual({ missing: missing.slice(0, 20), extra: extra.slice(0, 20) }, { missing: [], extra: [] },
        `${a.label}: seqs received over ${a.connections} connections vs the log addressed to it ` +
        `(${missing.length} missing, ${extra.length} extra)`);
    }

    const events = [...logs.values()].reduce((n, l) => n + l.length, 0);
    const replayed = agents.reduce((n, a) => n + a.stats.replayed, 0);
    const late = agents.reduce((n, a) => n + a.stats.lateAfterReplay, 0);
    const secs = (now() - started) / 1000;
    console.log(`# crash recovery: ${KILLS} kills, ${ROOMS} rooms × (1 host + ${PARTICIPANTS} participants), ${secs.toFixed(1)} s`);
    for (const ph of phases) {
      console.log(ph.final
        ? `#   final run: ${ph.acks} acks, ${ph.shown} violations shown`
        : `#   phase ${ph.phase}: killed after ${ph.killedAfterMs} ms, ${ph.acks} acks, ${ph.shown} violations shown, ` +
          `restart ${ph.restartMs} ms, ${ph.replayed} events replayed`);
    }
    console.log(`#   submissions: ${run.counts.acks} acked (${subs.length} rows), ${run.counts.ackedAfterResend} only after a resend, ` +
      `${run.counts.ackedByReplay} acked by a replayed SUBMISSION_RECEIVED, ${run.counts.verifiedResends} acked keys resent and re-acked, ` +
      `${run.counts.storeUnavailable} STORE_UNAVAILABLE`);
    console.log(`#   violations: ${run.counts.violationsShown} shown to hosts (${vrows.length} rows), ${run.counts.violationResends} resent`);
    console.log(`#   events: ${events} logged, ${replayed} replayed over ${agents.reduce((n, a) => n + a.stats.resumes, 0)} resumes, ` +
      `${late} live events after a replay numbered ≤ RESUMED.lastSeq`);
    loadRun = { late, examples: run.lateExamples, resumes: agents.reduce((n, a) => n + a.stats.resumes, 0) };
  } finally {
    run.stopping = true;
    for (const a of [...hosts, ...participants]) a.ws?.terminate();
    await srv.kill(); // also removes the database
  }
});

// The contract: RESUMED carries the room's current seq, then come "exactly
// the N durable events addressed to this user with seq > lastSeq, ...,
// before any newer event". So once the N are in, nothing numbered at or
// below RESUMED.lastSeq may follow: a client that records RESUMED.lastSeq as
// seen and drops right after the replay would otherwise never get those
// events. Only concurrent activity in the room (other clients resuming and
// submitting) can show this, hence it is checked on the load run's data.
test('under load, RESUMED.lastSeq bounds the replay: no event numbered at or below it arrives after the N replayed', () => {
  assert.ok(loadRun, 'the load run did not complete');
  assert.equal(loadRun.late, 0,
    `${loadRun.late} events over ${loadRun.resumes} resumes arrived live after the replay with a seq ` +
    `≤ RESUMED.lastSeq, e.g.\n  ${loadRun.examples.join('\n  ')}`);
});
