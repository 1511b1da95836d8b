// The contest lifecycle (protocol/README.md, "Contest lifecycle" and
// "Scoreboard freeze"): pause and resume over HTTP with contest_paused and
// contest_resumed, answers refused while paused, the open question keeping
// its time across the pause; 409 INVALID_STATE where the lifecycle does not
// allow a change; a contest with a startTime starting by itself; and the
// scoreboard freeze: participants' top and you.rank frozen while you.score
// stays live, GET leaderboard live for admins and frozen for everyone else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brief, settle, now, rebase } from './lib/harness.mjs';
import {
  serverForFile, api, adminToken, createContest, lifecycle, checkFrame, checkAllFrames, isIso, sqlUntil,
} from './lib/contest_client.mjs';
import { q } from './lib/db.mjs';

const CLOCK_TOL_MS = 10;

let server;
const { connect } = serverForFile((s) => { server = s; });

const qn = (id, answer, points, timeLimit, extra = {}) => ({
  id, text: `Question ${id}?`, options: null, answer, points, timeLimit, ...extra,
});

test('pause and resume: contest_paused/contest_resumed, CONTEST_NOT_ACTIVE, the time left kept, 409s', async () => {
  const L = 4;
  const cid = await createContest(server, {
    title: 'Pausable', scoring: 'fixed', questions: [qn('a', 'x', 10, L), qn('b', 'y', 20, L)],
  });
  assert.equal((await lifecycle(server, cid, 'pause')).status, 409, 'pause while UPCOMING');
  const r409 = await lifecycle(server, cid, 'resume');
  assert.equal(r409.status, 409, 'resume while UPCOMING');
  assert.deepEqual(Object.keys(r409.body).slice(0, 2), ['code', 'message']);
  assert.equal(r409.body.code, 'INVALID_STATE');

  const p1 = await connect('lp1', 'Pat');
  const p2 = await connect('lp2', 'Quinn');
  await p1.join(cid);
  await p2.join(cid);
  const started = await lifecycle(server, cid, 'start');
  assert.equal(started.status, 200);
  const startMs = Date.parse(started.body.startTime);
  const again = await lifecycle(server, cid, 'start');
  assert.equal(again.status, 409, 'start twice');
  assert.equal(again.body.code, 'INVALID_STATE');
  const notPaused = await lifecycle(server, cid, 'resume');
  assert.equal(notPaused.status, 409, 'resume while ACTIVE');
  assert.equal(notPaused.body.code, 'INVALID_STATE');

  const qa = checkFrame(await p1.next('question_broadcast'));
  const endsAt = Date.parse(qa.data.endsAt);
  assert.equal(endsAt, startMs + L * 1000);
  await settle(1200); // pause about 1.2 s into question a

  const pausedAt = now();
  const pr = await lifecycle(server, cid, 'pause');
  const pausedAck = now();
  assert.equal(pr.status, 200, brief(pr.body));
  assert.equal(pr.body.status, 'PAUSED');
  assert.equal(pr.body.currentQuestion?.questionId, 'a');
  // Time left at the pause, as the server saw it, lies between these two.
  const leftHi = endsAt - pausedAt;
  const leftLo = endsAt - pausedAck;
  const ceilS = (ms) => Math.ceil(ms / 1000);
  for (const c of [p1, p2]) {
    const m = checkFrame(await c.next('contest_paused'));
    assert.equal(m.data.contestId, cid);
    assert.ok(m.data.remaining >= ceilS(leftLo) && m.data.remaining <= ceilS(leftHi),
      `contest_paused.remaining ${m.data.remaining} vs ${leftLo}..${leftHi} ms left`);
  }
  const pausedRemaining = p1.all('contest_paused')[0].data.remaining;
  assert.ok(pr.body.remaining === pausedRemaining, `GET-like body remaining ${pr.body.remaining}`);

  // While paused: answers refused, no timer_update, 409 for pause and start.
  const e = await p1.submit(cid, 'a', 'x');
  assert.equal(e.event, 'error', brief(e));
  assert.equal(e.data.code, 'CONTEST_NOT_ACTIVE');
  assert.equal((await lifecycle(server, cid, 'pause')).status, 409, 'pause twice');
  assert.equal((await lifecycle(server, cid, 'start')).status, 409, 'start while PAUSED');
  const g = await api(server, 'GET', `/api/contests/${cid}`, { token: server.token('lp2', 'Quinn') });
  assert.equal(g.body.status, 'PAUSED');
  assert.equal(g.body.remaining, pausedRemaining);
  const row = await server.sql(`SELECT status, pausedAt FROM contests WHERE contestId = ${q(cid)}`);
  assert.equal(row[0].status, 'PAUSED');
  assert.ok(row[0].pausedAt >= pausedAt - CLOCK_TOL_MS && row[0].pausedAt <= pausedAck + CLOCK_TOL_MS);
  // A resync while paused: the state, the question, a timer_update, contest_paused.
  const p1b = await connect('lp1', 'Pat');
  p1b.send('resync', { contestId: cid });
  const st = checkFrame(await p1b.next('contest_state'));
  assert.equal(st.data.status, 'PAUSED');
  assert.equal(st.data.remaining, pausedRemaining);
  assert.equal(st.data.currentQuestion?.questionId, 'a');
  for (const ev of ['contest_start', 'question_broadcast', 'timer_update', 'contest_paused']) await p1b.next(ev);
  assert.deepEqual(p1b.received.map((x) => x.msg.event),
    ['contest_state', 'contest_start', 'question_broadcast', 'timer_update', 'contest_paused']);
  assert.equal(p1b.all('timer_update')[0].data.remaining, pausedRemaining);
  // While paused the question has no deadline: endsAt is null ("null when
  // not scheduled"), not the old deadline the resume will move.
  assert.equal(st.data.currentQuestion.endsAt, null, 'contest_state.currentQuestion.endsAt while paused');
  assert.equal(p1b.all('question_broadcast')[0].data.endsAt, null, 'question_broadcast.endsAt while paused');
  assert.equal(p1b.all('timer_update')[0].data.endsAt, null, 'timer_update.endsAt while paused');
  assert.equal(g.body.currentQuestion?.endsAt, null, 'GET currentQuestion.endsAt while paused');
  assert.equal(p1b.all('contest_paused')[0].data.remaining, pausedRemaining);
  // Whatever came before contest_paused is old; nothing may come after it.
  const pauseIdx = p1.received.findIndex((x) => x.msg.event === 'contest_paused');
  for (const x of p1.received.slice(0, pauseIdx)) x.consumed = true;
  await p1.expectNone(['timer_update', 'question_change'], 1500);

  const resumedAt = now();
  const rr = await lifecycle(server, cid, 'resume');
  const resumedAck = now();
  assert.equal(rr.status, 200, brief(rr.body));
  assert.equal(rr.body.status, 'ACTIVE');
  for (const c of [p1, p2, p1b]) {
    const m = checkFrame(await c.next('contest_resumed'));
    assert.deepEqual(m.data, { contestId: cid, remaining: pausedRemaining }, 'the time left is kept');
  }
  // The question's new end: shifted by the pause.
  const tick = checkFrame(await p1.next('timer_update', { where: (m) => m.data.questionId === 'a', timeout: 2000 }));
  const newEnds = Date.parse(tick.data.endsAt);
  const shift = newEnds - endsAt;
  assert.ok(shift >= resumedAt - pausedAck - CLOCK_TOL_MS && shift <= resumedAck - pausedAt + CLOCK_TOL_MS,
    `endsAt moved by ${shift} ms; the pause lasted ${resumedAt - pausedAck}..${resumedAck - pausedAt} ms`);
  // An answer now: its elapsed time leaves out the pause.
  const sentAt = now();
  const r = checkFrame(await p2.submit(cid, 'a', 'X'));
  assert.equal(r.data.correct, true);
  assert.equal(r.data.pointsAwarded, 10);
  const [ans] = await server.sql(`SELECT elapsedMs FROM contest_answers WHERE contestId = ${q(cid)} AND userId = 'lp2'`);
  const opensAt = newEnds - L * 1000;
  assert.ok(ans.elapsedMs >= sentAt - opensAt - CLOCK_TOL_MS && ans.elapsedMs <= now() - opensAt + CLOCK_TOL_MS,
    `elapsedMs ${ans.elapsedMs}, expected about ${sentAt - opensAt} (paused time excluded)`);
  assert.ok(ans.elapsedMs < L * 1000);

  // The rest of the contest runs on the shifted schedule.
  const ch = checkFrame(await p1.next('question_change', { timeout: L * 1000 + 2000 }));
  assert.deepEqual(ch.data, { contestId: cid, previousQuestionId: 'a', nextQuestionId: 'b' });
  assert.ok(p1.receivedAt(ch) >= newEnds - CLOCK_TOL_MS, 'question a closed before its shifted end');
  const qb = checkFrame(await p1.next('question_broadcast'));
  assert.equal(Date.parse(qb.data.endsAt), newEnds + L * 1000);
  const end = checkFrame(await p1.next('contest_end', { timeout: L * 1000 + 2000 }));
  assert.equal(Date.parse(end.data.endTime), newEnds + L * 1000);
  for (const c of [p1, p2, p1b]) {
    checkAllFrames(c);
    // Per question strictly decreasing, across the pause too.
    for (const qid of ['a', 'b']) {
      const v = c.all('timer_update').filter((m) => m.data.questionId === qid).map((m) => m.data.remaining);
      v.forEach((x, i) => assert.ok(i === 0 || x < v[i - 1], `${qid}: timer_update values ${v}`));
    }
  }
  const [done] = await sqlUntil(server, `SELECT status, startedAt, pausedAt, pausedTotalMs, endedAt FROM contests
    WHERE contestId = ${q(cid)}`, (rows) => rows[0]?.status === 'COMPLETED');
  assert.equal(done.startedAt, startMs);
  assert.equal(done.pausedTotalMs, shift, 'pausedTotalMs is the shift of the schedule');
  assert.equal(done.endedAt, startMs + 2 * L * 1000 + shift);
  for (const action of ['start', 'pause', 'resume']) {
    const x = await lifecycle(server, cid, action);
    assert.equal(x.status, 409, `${action} when COMPLETED`);
    assert.equal(x.body.code, 'INVALID_STATE');
  }
});

test('a startTime a couple of seconds ahead (with an offset) starts the contest by itself', async () => {
  rebase(); // a fresh frame for the startTime (lib/clock.mjs)
  const startAt = Math.ceil((now() + 2000) / 1000) * 1000 + 250;
  // The same instant written with a +02:00 offset.
  const local = new Date(startAt + 2 * 3600 * 1000).toISOString().replace('Z', '+02:00');
  const cid = await createContest(server, {
    title: 'Scheduled', scoring: 'fixed', startTime: local, questions: [qn('s', 'ok', 5, 2)],
  });
  const g = await api(server, 'GET', `/api/contests/${cid}`, { token: server.token('sp', 'Sam') });
  assert.equal(g.body.status, 'UPCOMING');
  assert.equal(g.body.startTime, new Date(startAt).toISOString(), 'startTime shown in UTC');
  const p = await connect('sp', 'Sam');
  const st = await p.join(cid);
  assert.equal(st.data.status, 'UPCOMING');
  const s = checkFrame(await p.next('contest_start', { timeout: 5000 }));
  assert.ok(p.receivedAt(s) >= startAt - CLOCK_TOL_MS, `contest_start ${startAt - p.receivedAt(s)} ms early`);
  assert.ok(p.receivedAt(s) <= startAt + 500, `contest_start ${p.receivedAt(s) - startAt} ms late`);
  assert.equal(s.data.startTime, new Date(startAt).toISOString(), 'started at its startTime');
  const b = checkFrame(await p.next('question_broadcast'));
  assert.equal(Date.parse(b.data.endsAt), startAt + 2000);
  assert.equal((await p.submit(cid, 's', 'OK')).data.pointsAwarded, 5);
  await p.next('contest_end', { timeout: 4000 });
  const again = await lifecycle(server, cid, 'start');
  assert.equal(again.status, 409);
});

test('freezeBeforeEnd: top and you.rank frozen, you.score live; GET leaderboard live for admins only', async () => {
  const L = 3;
  const cid = await createContest(server, {
    title: 'Frozen', scoring: 'fixed', freezeBeforeEnd: L,
    questions: [qn('f1', 'one', 100, L), qn('f2', 'two', 500, L)],
  });
  const admin = await connect('fadmin', 'Ada', { role: 'admin' });
  const [a, b, c] = [await connect('fa', 'Ana'), await connect('fb', 'Bea'), await connect('fc', 'Cal')];
  for (const x of [admin, a, b, c]) await x.join(cid);
  assert.equal((await lifecycle(server, cid, 'start')).status, 200);
  await a.next('question_broadcast');
  // Before the freeze: Ana right (100), Bea wrong (0, with answer time).
  assert.equal((await a.submit(cid, 'f1', 'one')).data.totalScore, 100);
  assert.equal((await b.submit(cid, 'f1', 'nope')).data.totalScore, 0);
  const early = checkFrame(await b.waitFor('leaderboard_update', (d) => d.top.some((e) => e.userId === 'fa' && e.score === 100)));
  assert.deepEqual(early.data.top.map((e) => [e.userId, e.rank, e.score]),
    [['fa', 1, 100], ['fc', 2, 0], ['fb', 3, 0]], 'Cal (no answer time) before Bea');
  assert.deepEqual(early.data.you, { rank: 3, score: 0 });
  const frozenTop = early.data.top;

  // The freeze starts with f2 (the last L seconds). Bea now scores 500.
  await b.waitFor('question_broadcast', (d) => d.questionId === 'f2', { timeout: 5000 });
  const r = checkFrame(await b.submit(cid, 'f2', 'two'));
  assert.deepEqual([r.data.pointsAwarded, r.data.totalScore], [500, 500], 'submission_result is live');
  const lb = checkFrame(await b.waitFor('leaderboard_update', (d) => d.you.score === 500, { timeout: 2500 }));
  assert.deepEqual(lb.data.top, frozenTop, 'participants see the frozen top');
  assert.deepEqual(lb.data.you, { rank: 3, score: 500 }, 'you.rank frozen, you.score live');
  // A resync during the freeze: the same.
  b.send('resync', { contestId: cid });
  const st = checkFrame(await b.next('contest_state'));
  assert.deepEqual(st.data.top, frozenTop);
  assert.deepEqual([st.data.you.rank, st.data.you.score], [3, 500]);
  // GET: the admin sees the live board, a participant the frozen one.
  const live = await api(server, 'GET', `/api/contests/${cid}/leaderboard`, { token: adminToken(server, 'fadmin') });
  assert.equal(live.status, 200);
  assert.equal(live.body.frozen, false);
  assert.deepEqual(live.body.standings.map((e) => [e.userId, e.rank, e.score]),
    [['fb', 1, 500], ['fa', 2, 100], ['fc', 3, 0]]);
  const frozen = await api(server, 'GET', `/api/contests/${cid}/leaderboard`, { token: server.token('fa', 'Ana') });
  assert.equal(frozen.status, 200);
  assert.equal(frozen.body.frozen, true);
  assert.deepEqual(frozen.body.standings, frozenTop);
  const info = await api(server, 'GET', `/api/contests/${cid}`, { token: server.token('fa', 'Ana') });
  assert.equal(info.body.frozen, true);

  // contest_end reveals the final standings.
  for (const [x, you] of [[a, { rank: 2, score: 100 }], [b, { rank: 1, score: 500 }], [c, { rank: 3, score: 0 }]]) {
    const end = checkFrame(await x.next('contest_end', { timeout: L * 1000 + 2000 }));
    assert.deepEqual(end.data.standings.map((e) => [e.userId, e.rank, e.score]),
      [['fb', 1, 500], ['fa', 2, 100], ['fc', 3, 0]]);
    assert.deepEqual(end.data.you, you);
  }
  // Participants never saw a top with Bea's 500 before the end.
  for (const x of [a, b, c]) {
    checkAllFrames(x);
    for (const m of x.all('leaderboard_update')) {
      assert.ok(!m.data.top.some((e) => e.score === 500), `a participant saw the live board: ${brief(m.data)}`);
    }
  }
  const after = await api(server, 'GET', `/api/contests/${cid}/leaderboard`, { token: server.token('fa', 'Ana') });
  assert.equal(after.body.frozen, false);
  assert.equal(after.body.standings[0].userId, 'fb');
  assert.ok(isIso(info.body.startTime));
});
