// A contest across crashes and restarts (actors/contest/contest.hpp: the
// schedule is absolute; answers are acknowledged after their commit):
// kill -9 while participants are submitting, some acknowledged, twice (once
// restarting at once, the question still open; once staying down past the
// question's end); then a clean SIGTERM restart. Each time the clients
// reconnect and resync without joining again, find the contest where its
// schedule says, resend what they sent with its idempotencyKey (the
// original result, stored once, or QUESTION_CLOSED when it was never stored
// and its time ran out), and the contest finishes with contest_end. Every
// acknowledged answer is counted: compared with contest_answers, the final
// standings and contest_standings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, brief, settle, now, rebase } from './lib/harness.mjs';
import {
  ContestClient, createContest, lifecycle, checkFrame, checkAllFrames, rankingOf, sqlUntil,
} from './lib/contest_client.mjs';
import { q } from './lib/db.mjs';

const CLOCK_TOL_MS = 10;
const ARGS = ['--leaderboard-interval', '1'];

/// One participant across connections and servers: what it sent, what was
/// acknowledged.
class Player {
  constructor(sub, name, answers) {
    Object.assign(this, { sub, name, answers });
    this.conns = [];
    this.sent = new Set(); // question ids submitted (with key `${sub}-${qid}`)
    this.acked = new Map(); // question id -> submission_result data
  }

  get conn() { return this.conns.at(-1); }

  key(qid) { return `${this.sub}-${qid}`; }

  async connect(server) {
    const c = await ContestClient.connect(server, { token: server.token(this.sub, this.name), label: this.sub });
    this.conns.push(c);
    return c;
  }

  /// Sends the answer to `qid` without waiting.
  send(cid, qid) {
    this.sent.add(qid);
    this.conn.send('submit_answer', { contestId: cid, questionId: qid, answer: this.answers[qid], idempotencyKey: this.key(qid) });
  }

  /// Sends and waits for the result; records the ack.
  async submit(cid, qid) {
    this.sent.add(qid);
    const r = await this.conn.submit(cid, qid, this.answers[qid], this.key(qid));
    if (r.event === 'submission_result') this.record(r.data);
    return r;
  }

  record(data) {
    const had = this.acked.get(data.questionId);
    if (had) assert.deepEqual(data, had, `${this.sub}: two different results for ${data.questionId}`);
    this.acked.set(data.questionId, data);
  }

  /// Every submission_result any of its connections received.
  harvest() {
    for (const c of this.conns) for (const m of c.all('submission_result')) this.record(m.data);
  }

  /// The running total after its latest acked answer.
  get score() {
    let best = 0;
    for (const d of this.acked.values()) best = Math.max(best, d.totalScore);
    return best;
  }
}

/// Reconnects every player to `server` and resyncs: → the contest_state
/// data of each, after checking the snapshot's order and its `you`.
async function reconnectAll(server, cid, players) {
  const states = new Map();
  for (const p of players) {
    const c = await p.connect(server);
    c.send('resync', { contestId: cid });
    const st = checkFrame(await c.next(['contest_state', 'error']));
    assert.equal(st.event, 'contest_state', `${p.sub}: resync answered ${brief(st)}`);
    states.set(p.sub, st.data);
  }
  return states;
}

/// Resends every answer a player sent (same key) and checks the outcome
/// against what was acknowledged; `open` is the open question's id.
async function resendAll(cid, players, open) {
  for (const p of players) {
    for (const qid of p.sent) {
      const had = p.acked.get(qid);
      const r = await p.conn.submit(cid, qid, p.answers[qid], p.key(qid));
      if (had) {
        assert.equal(r.event, 'submission_result', `${p.sub}/${qid}: acked before, resend answered ${brief(r)}`);
        assert.deepEqual(r.data, had, `${p.sub}/${qid}: a resend gets the original result`);
      } else if (r.event === 'submission_result') {
        p.record(r.data); // stored before the crash, or accepted now
      } else {
        assert.equal(r.data.code, 'QUESTION_CLOSED', `${p.sub}/${qid}: ${brief(r)}`);
        assert.notEqual(qid, open, `${p.sub}/${qid}: refused while open: ${brief(r)}`);
      }
    }
  }
}

/// contest_answers holds exactly the acknowledged answers, once each.
async function assertStoredIsAcked(server, cid, players) {
  const rows = await server.sql(`SELECT userId, questionId, correct, points, totalScore, idempotencyKey, elapsedMs
    FROM contest_answers WHERE contestId = ${q(cid)} ORDER BY id`);
  const acks = players.flatMap((p) => [...p.acked.values()].map((d) => ({ user: p.sub, ...d })));
  assert.equal(rows.length, acks.length, `stored ${brief(rows.map((r) => `${r.userId}/${r.questionId}`))} ` +
    `vs acked ${brief(acks.map((a) => `${a.user}/${a.questionId}`))}`);
  for (const row of rows) {
    const p = players.find((x) => x.sub === row.userId);
    const d = p?.acked.get(row.questionId);
    assert.ok(d, `stored but never acknowledged: ${brief(row)}`);
    assert.deepEqual({ correct: row.correct === 1, points: row.points, totalScore: row.totalScore, key: row.idempotencyKey },
      { correct: d.correct, points: d.pointsAwarded, totalScore: d.totalScore, key: p.key(row.questionId) },
      `${row.userId}/${row.questionId}`);
  }
  return rows;
}

/// Waits for contest_end on each player's current connection and checks it
/// (and the database) against the stored answers.
async function assertEnd(server, cid, players, endMs) {
  const rows = await assertStoredIsAcked(server, cid, players);
  const expected = rankingOf(players.map((p) => p.sub), rows);
  let standings;
  for (const p of players) {
    const end = checkFrame(await p.conn.next('contest_end', { timeout: Math.max(endMs - now(), 0) + 4000 }));
    assert.equal(end.data.endTime, new Date(endMs).toISOString(), 'the schedule\'s end');
    assert.ok(p.conn.receivedAt(end) >= endMs - CLOCK_TOL_MS);
    standings ??= end.data.standings;
    assert.deepEqual(end.data.standings, standings);
    const e = expected.get(p.sub);
    assert.deepEqual(end.data.you, { rank: e.rank, score: e.score }, `${p.sub}'s you`);
    assert.equal(e.score, p.score, `${p.sub}: final score vs the last acknowledged total`);
  }
  assert.deepEqual(standings.map((s) => [s.userId, s.rank, s.score]),
    [...expected.values()].map((e) => [e.userId, e.rank, e.score]), 'contest_end standings vs the stored answers');
  await sqlUntil(server, `SELECT status FROM contests WHERE contestId = ${q(cid)}`, (r) => r[0]?.status === 'COMPLETED');
  const st = await sqlUntil(server, `SELECT userId, rank, score, timeMs FROM contest_standings WHERE contestId = ${q(cid)}`,
    (r) => r.length === players.length);
  for (const s of st) {
    const e = expected.get(s.userId);
    assert.deepEqual(s, { userId: s.userId, rank: e.rank, score: e.score, timeMs: e.timeMs });
  }
}

test('kill -9 twice mid-question while answers are in flight: every acked answer counts, the schedule holds', async () => {
  // c1 must outlast a kill, a restart and four reconnects: seconds under
  // the sanitizers on a loaded 2-core machine.
  const L = [8, 4, 5];
  let server = await startServer({ args: ARGS });
  try {
    const cid = await createContest(server, {
      title: 'Crash course',
      questions: [
        { id: 'c1', text: 'One?', options: null, answer: 'a', points: 100, timeLimit: L[0] },
        { id: 'c2', text: 'Two?', options: null, answer: 'b', points: 200, timeLimit: L[1] },
        { id: 'c3', text: 'Three?', options: null, answer: 'c', points: 300, timeLimit: L[2] },
      ],
    });
    const players = [
      new Player('k1', 'Kim', { c1: 'a', c2: 'b', c3: 'c' }),
      new Player('k2', 'Kai', { c1: 'x', c2: 'b', c3: 'c' }),
      new Player('k3', 'Kit', { c1: 'a', c2: 'x', c3: 'c' }),
      new Player('k4', 'Kip', { c1: 'a', c2: 'b', c3: 'x' }),
    ];
    for (const p of players) await (await p.connect(server)).join(cid);
    const r = await lifecycle(server, cid, 'start');
    assert.equal(r.status, 200);
    const startMs = Date.parse(r.body.startTime);
    const ends = [startMs + L[0] * 1000, startMs + (L[0] + L[1]) * 1000, startMs + (L[0] + L[1] + L[2]) * 1000];
    for (const p of players) await p.conn.next('question_broadcast');

    // Crash 1, about 1 s into c1: two answers acknowledged, two in flight.
    await settle(800);
    await players[0].submit(cid, 'c1');
    await players[1].submit(cid, 'c1');
    players[2].send(cid, 'c1');
    players[3].send(cid, 'c1');
    const k = await server.kill({ keepFiles: true });
    assert.equal(k.signal, 'SIGKILL');
    for (const p of players) p.harvest();
    server = await server.restart();

    // c1 is still open: its end unchanged.
    let states = await reconnectAll(server, cid, players);
    assert.ok(now() < ends[0] - 500, 'the restart took too long for this test\'s plan');
    for (const p of players) {
      const st = states.get(p.sub);
      assert.equal(st.status, 'ACTIVE');
      assert.equal(st.currentQuestion?.questionId, 'c1', `${p.sub}: ${brief(st)}`);
      assert.equal(st.currentQuestion.endsAt, new Date(ends[0]).toISOString());
      for (const qid of p.acked.keys()) assert.ok(st.you.answered.includes(qid), `${p.sub}: acked ${qid} not answered`);
      assert.ok(st.you.score >= p.score, `${p.sub}: score ${st.you.score} below the acked ${p.score}`);
      for (const ev of ['contest_start', 'question_broadcast', 'timer_update']) await p.conn.next(ev);
      const t = p.conn.all('timer_update')[0];
      assert.equal(t.data.endsAt, new Date(ends[0]).toISOString());
    }
    await resendAll(cid, players, 'c1');
    for (const p of players) assert.ok(p.acked.has('c1'), `${p.sub}: c1 not counted after the resend`);
    await assertStoredIsAcked(server, cid, players);

    // c2 on the schedule; crash 2 right after it opens, staying down past its end.
    for (const p of players) {
      const ch = checkFrame(await p.conn.next('question_change', { timeout: Math.max(ends[0] - now(), 0) + 4000 }));
      assert.deepEqual(ch.data, { contestId: cid, previousQuestionId: 'c1', nextQuestionId: 'c2' });
      assert.ok(p.conn.receivedAt(ch) >= ends[0] - CLOCK_TOL_MS);
      const b = checkFrame(await p.conn.next('question_broadcast'));
      assert.equal(b.data.endsAt, new Date(ends[1]).toISOString());
    }
    await players[0].submit(cid, 'c2');
    await players[2].submit(cid, 'c2');
    players[1].send(cid, 'c2');
    players[3].send(cid, 'c2');
    await server.kill({ keepFiles: true });
    for (const p of players) p.harvest();
    await settle(Math.max(0, ends[1] - now()) + 300);
    server = await server.restart();

    // c2 ran out while the server was down: c3 is open, on the schedule.
    states = await reconnectAll(server, cid, players);
    for (const p of players) {
      const st = states.get(p.sub);
      assert.equal(st.status, 'ACTIVE');
      assert.equal(st.currentQuestion?.questionId, 'c3', `${p.sub}: ${brief(st)}`);
      assert.equal(st.currentQuestion.endsAt, new Date(ends[2]).toISOString());
      assert.ok(Math.abs(st.remaining - Math.ceil((ends[2] - now()) / 1000)) <= 1, `remaining ${st.remaining}`);
      for (const qid of p.acked.keys()) assert.ok(st.you.answered.includes(qid), `${p.sub}: acked ${qid} missing`);
      const b = checkFrame(await p.conn.next('question_broadcast'));
      assert.equal(b.data.questionId, 'c3');
    }
    await resendAll(cid, players, 'c3');
    for (const p of players) assert.deepEqual(states.get(p.sub).you.answered.sort(), [...p.acked.keys()].sort(),
      `${p.sub}: answered after restart 2 vs acknowledged`);
    for (const p of players) {
      const res = await p.submit(cid, 'c3');
      assert.equal(res.event, 'submission_result', brief(res));
    }
    await assertEnd(server, cid, players, ends[2]);
    for (const p of players.map((x) => x.conn)) {
      checkAllFrames(p);
      const v = p.all('timer_update').map((m) => m.data.remaining);
      v.forEach((x, i) => assert.ok(i === 0 || x < v[i - 1], `c3 timer_update values ${v}`));
    }
    await server.stopAndCheck();
  } catch (err) {
    await server.kill().catch(() => {});
    throw err;
  }
});

test('SIGTERM in the middle of a contest: exit 0, restart, resync, resend, the contest finishes', async () => {
  const L = [4, 4];
  let server = await startServer({ args: ARGS });
  try {
    const cid = await createContest(server, {
      title: 'Graceful', scoring: 'fixed',
      questions: [
        { id: 'g1', text: 'One?', options: ['a', 'b'], answer: 'a', points: 10, timeLimit: L[0] },
        { id: 'g2', text: 'Two?', options: ['a', 'b'], answer: 'b', points: 20, timeLimit: L[1] },
      ],
    });
    const players = [
      new Player('t1', 'Tia', { g1: 'a', g2: 'b' }),
      new Player('t2', 'Tom', { g1: 'b', g2: 'b' }),
      new Player('t3', 'Ted', { g1: 'a', g2: 'a' }),
    ];
    for (const p of players) await (await p.connect(server)).join(cid);
    const r = await lifecycle(server, cid, 'start');
    const startMs = Date.parse(r.body.startTime);
    const ends = [startMs + L[0] * 1000, startMs + (L[0] + L[1]) * 1000];
    for (const p of players) await p.conn.next('question_broadcast');
    await players[0].submit(cid, 'g1');
    players[1].send(cid, 'g1');
    players[2].send(cid, 'g1');
    const out = await server.stop({ keepFiles: true });
    assert.equal(out.code, 0, `SIGTERM exit ${JSON.stringify(out)}\n${server.logTail(20)}`);
    for (const p of players) {
      p.harvest();
      // During the shutdown an answer may be refused: not stored.
      for (const e of p.conns[0].all('error')) assert.equal(e.data.code, 'STORE_UNAVAILABLE', brief(e));
    }
    server = await server.restart();
    const before = now();
    const states = await reconnectAll(server, cid, players);
    const after = now();
    for (const p of players) {
      const st = states.get(p.sub);
      assert.equal(st.status, 'ACTIVE');
      // Where the schedule says, at the moment of the resync.
      const want = after < ends[0] - CLOCK_TOL_MS ? ['g1'] : before >= ends[0] + CLOCK_TOL_MS ? ['g2'] : ['g1', 'g2'];
      assert.ok(want.includes(st.currentQuestion?.questionId), `${p.sub}: ${brief(st)} at +${before - startMs} ms`);
      for (const qid of p.acked.keys()) assert.ok(st.you.answered.includes(qid), `${p.sub}: acked ${qid} missing`);
    }
    await resendAll(cid, players, states.get('t1').currentQuestion.questionId);
    for (const p of players) {
      await p.conn.waitFor('question_broadcast', (d) => d.questionId === 'g2', { timeout: 6000 });
      const res = await p.submit(cid, 'g2');
      assert.equal(res.event, 'submission_result', brief(res));
    }
    await assertEnd(server, cid, players, ends[1]);
    await server.stopAndCheck();
  } catch (err) {
    await server.kill().catch(() => {});
    throw err;
  }
});

test('kill -9 while paused, and while a startTime passes: both where their schedule says after the restart', async () => {
  let server = await startServer({ args: ARGS });
  try {
    const L = 4;
    const paused = await createContest(server, {
      title: 'Paused across a crash', scoring: 'fixed',
      questions: [{ id: 'p1', text: 'P?', options: null, answer: 'p', points: 7, timeLimit: L }],
    });
    rebase(); // a fresh frame for the startTime (lib/clock.mjs)
    const startAt = now() + 1500;
    const scheduled = await createContest(server, {
      title: 'Starts while down', scoring: 'fixed', startTime: new Date(startAt).toISOString(),
      questions: [{ id: 's1', text: 'S?', options: null, answer: 's', points: 9, timeLimit: 3 }],
    });
    const p = new Player('w1', 'Wes', { p1: 'p', s1: 's' });
    const c = await p.connect(server);
    await c.join(paused);
    await c.join(scheduled);
    const started = await lifecycle(server, paused, 'start');
    const endsAt = Date.parse(started.body.startTime) + L * 1000;
    await settle(1000);
    const pausedAt = now();
    const pr = await lifecycle(server, paused, 'pause');
    assert.equal(pr.status, 200);
    const left = checkFrame(await c.next('contest_paused')).data.remaining;
    const [row] = await server.sql(`SELECT pausedAt FROM contests WHERE contestId = ${q(paused)}`);
    const leftMs = endsAt - row.pausedAt;
    assert.ok(row.pausedAt >= pausedAt - CLOCK_TOL_MS);
    await server.kill({ keepFiles: true });
    await settle(Math.max(0, startAt - now()) + 400);
    server = await server.restart();

    const c2 = await p.connect(server);
    // The paused contest: still paused, the same time left.
    c2.send('resync', { contestId: paused });
    const st = checkFrame(await c2.next('contest_state'));
    assert.equal(st.data.status, 'PAUSED', brief(st));
    assert.equal(st.data.remaining, left);
    assert.equal(st.data.currentQuestion?.questionId, 'p1');
    for (const ev of ['contest_start', 'question_broadcast', 'timer_update']) await c2.next(ev);
    const cp = checkFrame(await c2.next('contest_paused'));
    assert.deepEqual(cp.data, { contestId: paused, remaining: left });
    const e = await c2.submit(paused, 'p1', 'p');
    assert.equal(e.data?.code, 'CONTEST_NOT_ACTIVE', brief(e));
    // The scheduled one started at its startTime while the server was down.
    c2.send('resync', { contestId: scheduled });
    const ss = checkFrame(await c2.next('contest_state', { where: (m) => m.data.contestId === scheduled }));
    assert.equal(ss.data.status, 'ACTIVE', brief(ss));
    assert.equal(ss.data.currentQuestion?.questionId, 's1');
    assert.equal(ss.data.currentQuestion.endsAt, new Date(startAt + 3000).toISOString());
    const sStart = checkFrame(await c2.next('contest_start', { where: (m) => m.data.contestId === scheduled }));
    assert.equal(sStart.data.startTime, new Date(startAt).toISOString());
    assert.equal((await c2.submit(scheduled, 's1', 's')).data?.pointsAwarded, 9);

    // Resume: the paused question gets back the time it had.
    const resumedAt = now();
    const rr = await lifecycle(server, paused, 'resume');
    const resumedAck = now();
    assert.equal(rr.status, 200, brief(rr.body));
    const cr = checkFrame(await c2.next('contest_resumed'));
    assert.deepEqual(cr.data, { contestId: paused, remaining: left });
    const t = checkFrame(await c2.next('timer_update', { where: (m) => m.data.contestId === paused }));
    const newEnds = Date.parse(t.data.endsAt);
    assert.ok(newEnds >= resumedAt + leftMs - CLOCK_TOL_MS && newEnds <= resumedAck + leftMs + CLOCK_TOL_MS,
      `endsAt ${newEnds - resumedAt} ms after the resume; ${leftMs} ms were left`);
    assert.equal((await c2.submit(paused, 'p1', 'P')).data?.pointsAwarded, 7);
    const end = checkFrame(await c2.next('contest_end', { where: (m) => m.data.contestId === paused, timeout: L * 1000 + 2000 }));
    assert.equal(Date.parse(end.data.endTime), newEnds);
    assert.deepEqual(end.data.you, { rank: 1, score: 7 });
    const endS = checkFrame(await c2.next('contest_end', { where: (m) => m.data.contestId === scheduled, timeout: 4000 }));
    assert.equal(endS.data.endTime, new Date(startAt + 3000).toISOString());
    assert.deepEqual(endS.data.you, { rank: 1, score: 9 });
    checkAllFrames(c2);
    await server.stopAndCheck();
  } catch (err) {
    await server.kill().catch(() => {});
    throw err;
  }
});
