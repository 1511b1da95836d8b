// The contest dialect (seed 001) end to end: POST /api/contests, seven
// participants and an admin observer, three questions of 3 s, correct,
// wrong, duplicate and resent answers, a late join, a resync from a new
// connection, timer_update and question_change as a client sees them,
// batched leaderboard_update with each one's own `you`, contest_end with
// competition ranks, the database afterwards, and the GET endpoints never
// showing an answer. Then a speed-scored contest: points from the elapsed
// time.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brief, settle, now } from './lib/harness.mjs';
import {
  serverForFile, api, adminToken, createContest, lifecycle, checkFrame,
  checkAllFrames, checkQuestion, isIso, rankingOf, sqlUntil, allKeys,
} from './lib/contest_client.mjs';
import { q } from './lib/db.mjs';

/// The server's clock and ours are the same machine's; a few ms for
/// rounding to whole ms on both sides.
const CLOCK_TOL_MS = 10;
/// How late a timer_update may arrive after it became due.
const LATE_TOL_MS = 300;
const LIMIT = 3;

let server;
const { connect } = serverForFile((s) => { server = s; });

const CONTEST = {
  title: 'Weekly Contest #42',
  scoring: 'fixed',
  questions: [
    { id: 'q1', text: 'Capital of France?', options: ['Berlin', 'Paris', 'Rome', 'Madrid'], answer: 'Paris', points: 100, timeLimit: LIMIT },
    { id: 'q2', text: '6 x 7 = ?', options: null, answer: '42', points: 200, timeLimit: LIMIT },
    { id: 'q3', text: 'Pick D', options: ['A', 'B', 'C', 'D'], answer: 'D', points: 300, timeLimit: LIMIT },
  ],
};

const GET_KEYS = ['contestId', 'title', 'status', 'scoring', 'freezeBeforeEnd', 'startTime', 'endTime',
  'estimatedDuration', 'totalQuestions', 'questions', 'currentQuestion', 'remaining', 'participants', 'frozen'];

/// Checks GET /api/contests/:id's body: its members, the questions without
/// their answers.
function checkContestJson(body, contestId) {
  assert.deepEqual(Object.keys(body), GET_KEYS, `GET contest members: ${brief(body, 800)}`);
  assert.equal(body.contestId, contestId);
  assert.equal(body.title, CONTEST.title);
  assert.equal(body.scoring, 'fixed');
  assert.equal(body.freezeBeforeEnd, 0);
  assert.equal(body.estimatedDuration, 3 * LIMIT);
  assert.equal(body.totalQuestions, 3);
  assert.deepEqual(body.questions, CONTEST.questions.map((x, i) => ({
    questionId: x.id, index: i + 1, text: x.text, options: x.options, points: x.points, timeLimit: x.timeLimit,
  })));
  assert.ok(!allKeys(body).has('answer'), `GET shows an answer: ${brief(body, 800)}`);
  if (body.currentQuestion !== null) checkQuestion(body.currentQuestion, 'GET currentQuestion');
}

describe('a 3-question contest from POST /api/contests to contest_end', () => {
  let cid;
  let startMs;
  const P = {}; // sub -> client
  const names = {
    p1: 'Alice', p2: 'Bob', p3: 'Carol', p4: 'Dave', p5: 'Erin', p6: 'Frank', p7: 'Gina',
  };
  const early = ['p1', 'p2', 'p3', 'p5', 'p6', 'p7'];
  let admin;
  let p2b;
  const firstResult = {};

  test('POST /api/contests → 201; GET shows an UPCOMING contest to any valid token', async () => {
    cid = await createContest(server, CONTEST);
    for (const tok of [adminToken(server), server.token('p1', 'Alice')]) {
      const r = await api(server, 'GET', `/api/contests/${cid}`, { token: tok });
      assert.equal(r.status, 200, brief(r.body));
      checkContestJson(r.body, cid);
      assert.equal(r.body.status, 'UPCOMING');
      assert.equal(r.body.startTime, null);
      assert.equal(r.body.endTime, null);
      assert.equal(r.body.currentQuestion, null);
      assert.equal(r.body.remaining, 0);
      assert.equal(r.body.participants, 0);
      assert.equal(r.body.frozen, false);
    }
    const rows = await server.sql(`SELECT status, scoring, startedAt FROM contests WHERE contestId = ${q(cid)}`);
    assert.deepEqual(rows, [{ status: 'UPCOMING', scoring: 'fixed', startedAt: null }]);
  });

  test('joining before the start: contest_state UPCOMING and nothing else', async () => {
    admin = await connect('admin-1', 'Ada Admin', { role: 'admin' });
    for (const sub of early) P[sub] = await connect(sub, names[sub]);
    let joined = 0;
    for (const sub of early) {
      const st = checkFrame(await P[sub].join(cid));
      joined += 1;
      assert.equal(st.data.contestId, cid);
      assert.equal(st.data.title, CONTEST.title);
      assert.equal(st.data.status, 'UPCOMING');
      assert.equal(st.data.currentQuestion, null);
      assert.equal(st.data.remaining, 0);
      assert.equal(st.data.totalQuestions, 3);
      // Everyone at 0 with no answer time: all share rank 1.
      assert.deepEqual(st.data.you, { rank: 1, score: 0, answered: [] });
      assert.equal(st.data.top.length, joined, brief(st.data.top));
      assert.ok(st.data.top.some((e) => e.userId === sub && e.username === names[sub] && e.rank === 1));
    }
    const ast = checkFrame(await admin.join(cid));
    assert.deepEqual(ast.data.you, { rank: null, score: 0, answered: [] }, 'an admin watches without a place');
    assert.equal(ast.data.top.length, early.length);
    assert.ok(!ast.data.top.some((e) => e.userId === 'admin-1'));
    await P.p1.expectNone(['contest_start', 'question_broadcast', 'timer_update'], 300);
    const rows = await server.sql(`SELECT userId, username FROM contest_participants WHERE contestId = ${q(cid)} ORDER BY userId`);
    assert.deepEqual(rows, early.map((u) => ({ userId: u, username: names[u] })), 'the admin is no participant');
  });

  test('start: contest_start, question_broadcast q1 and timer_updates to everyone', async () => {
    const r = await lifecycle(server, cid, 'start');
    assert.equal(r.status, 200, brief(r.body));
    checkContestJson(r.body, cid);
    assert.equal(r.body.status, 'ACTIVE');
    assert.ok(isIso(r.body.startTime));
    assert.equal(r.body.currentQuestion?.questionId, 'q1');
    startMs = Date.parse(r.body.startTime);
    for (const c of [...early.map((s) => P[s]), admin]) {
      const s = checkFrame(await c.next('contest_start'));
      assert.deepEqual(s.data, {
        contestId: cid, title: CONTEST.title, startTime: r.body.startTime, totalQuestions: 3, estimatedDuration: 9,
      });
      const b = checkFrame(await c.next('question_broadcast'));
      assert.deepEqual(b.data, {
        contestId: cid, questionId: 'q1', index: 1, text: 'Capital of France?',
        options: ['Berlin', 'Paris', 'Rome', 'Madrid'], points: 100, timeLimit: LIMIT,
        endsAt: new Date(startMs + LIMIT * 1000).toISOString(),
      }, 'q1 opens at the start and ends timeLimit later');
    }
    const rows = await server.sql(`SELECT status, startedAt FROM contests WHERE contestId = ${q(cid)}`);
    assert.deepEqual(rows, [{ status: 'ACTIVE', startedAt: startMs }]);
  });

  test('q1: correct, case/blank-insensitive, wrong, duplicate, idempotent resend, observer', async () => {
    const r1 = checkFrame(await P.p1.submit(cid, 'q1', 'Paris', 'p1-q1'));
    assert.deepEqual(r1.data, {
      contestId: cid, questionId: 'q1', accepted: true, correct: true, pointsAwarded: 100, totalScore: 100,
    });
    firstResult.p1 = r1.data;
    // Committed before it is acknowledged.
    const row = await server.sql(`SELECT answer, correct, points, totalScore, idempotencyKey FROM contest_answers
      WHERE contestId = ${q(cid)} AND userId = 'p1' AND questionId = 'q1'`);
    assert.deepEqual(row, [{ answer: 'Paris', correct: 1, points: 100, totalScore: 100, idempotencyKey: 'p1-q1' }]);

    const r2 = checkFrame(await P.p2.submit(cid, 'q1', '  pARIS \t'));
    assert.deepEqual(r2.data, {
      contestId: cid, questionId: 'q1', accepted: true, correct: true, pointsAwarded: 100, totalScore: 100,
    });
    const r3 = checkFrame(await P.p3.submit(cid, 'q1', 'Rome', 'p3-q1'));
    assert.deepEqual(r3.data, {
      contestId: cid, questionId: 'q1', accepted: true, correct: false, pointsAwarded: 0, totalScore: 0,
    });
    const r7 = checkFrame(await P.p7.submit(cid, 'q1', 'Berlin'));
    assert.equal(r7.data.correct, false);
    assert.equal(r7.data.pointsAwarded, 0);

    // One answer per question: another key, or none, is refused.
    let e = await P.p1.submit(cid, 'q1', 'Rome', 'p1-q1-again');
    assert.equal(e.event, 'error', brief(e));
    assert.equal(e.data.code, 'ALREADY_ANSWERED');
    e = await P.p1.submit(cid, 'q1', 'Paris');
    assert.equal(e.data?.code, 'ALREADY_ANSWERED', brief(e));
    e = await P.p3.submit(cid, 'q1', 'Paris');
    assert.equal(e.data?.code, 'ALREADY_ANSWERED', 'a wrong answer cannot be corrected');
    // The same key again: the original result, stored once.
    const again = checkFrame(await P.p1.submit(cid, 'q1', 'Paris', 'p1-q1'));
    assert.deepEqual(again.data, firstResult.p1, 'a resend gets the original result');
    // Observers watch but do not answer.
    e = await admin.submit(cid, 'q1', 'Paris');
    assert.equal(e.data?.code, 'FORBIDDEN', brief(e));
    // Not the open question.
    e = await P.p5.submit(cid, 'q2', '42');
    assert.equal(e.data?.code, 'QUESTION_CLOSED', brief(e));

    const count = await server.sql(`SELECT userId, count(*) AS n FROM contest_answers WHERE contestId = ${q(cid)}
      GROUP BY userId ORDER BY userId`);
    assert.deepEqual(count, [{ userId: 'p1', n: 1 }, { userId: 'p2', n: 1 }, { userId: 'p3', n: 1 }, { userId: 'p7', n: 1 }]);
    const stored = await server.sql(`SELECT answer FROM contest_answers WHERE contestId = ${q(cid)} AND userId = 'p2'`);
    assert.deepEqual(stored, [{ answer: '  pARIS \t' }], 'the answer is stored as sent');
  });

  test('q2: question_change, a late join, resync from a new connection, a numeric answer', async () => {
    const q1End = startMs + LIMIT * 1000;
    for (const c of [...early.map((s) => P[s]), admin]) {
      const ch = checkFrame(await c.next('question_change', { timeout: 6000 }));
      assert.deepEqual(ch.data, { contestId: cid, previousQuestionId: 'q1', nextQuestionId: 'q2' });
      assert.ok(c.receivedAt(ch) >= q1End - CLOCK_TOL_MS, `question_change came ${q1End - c.receivedAt(ch)} ms early`);
      const b = checkFrame(await c.next('question_broadcast'));
      assert.deepEqual(b.data, {
        contestId: cid, questionId: 'q2', index: 2, text: '6 x 7 = ?', options: null, points: 200, timeLimit: LIMIT,
        endsAt: new Date(startMs + 2 * LIMIT * 1000).toISOString(),
      });
    }
    // The late joiner: contest_state, then contest_start, the open question
    // and a timer_update, in that order.
    P.p4 = await connect('p4', 'Dave');
    P.p4.send('join_contest', { contestId: cid });
    const st = checkFrame(await P.p4.next('contest_state'));
    assert.equal(st.data.status, 'ACTIVE');
    assert.equal(st.data.currentQuestion?.questionId, 'q2');
    assert.equal(st.data.currentQuestion.endsAt, new Date(startMs + 2 * LIMIT * 1000).toISOString());
    assert.ok(st.data.remaining >= 1 && st.data.remaining <= LIMIT, `remaining ${st.data.remaining}`);
    assert.equal(st.data.you.score, 0);
    assert.deepEqual(st.data.you.answered, []);
    const s = checkFrame(await P.p4.next('contest_start'));
    assert.equal(s.data.startTime, new Date(startMs).toISOString());
    const b = checkFrame(await P.p4.next('question_broadcast'));
    assert.equal(b.data.questionId, 'q2');
    const t = checkFrame(await P.p4.next('timer_update'));
    assert.equal(t.data.questionId, 'q2');
    assert.equal(t.data.endsAt, b.data.endsAt);
    assert.deepEqual(P.p4.received.slice(0, 4).map((x) => x.msg.event),
      ['contest_state', 'contest_start', 'question_broadcast', 'timer_update'], 'the late join snapshot, in order');

    // A JSON number is taken as its text.
    const r4 = checkFrame(await P.p4.submit(cid, 'q2', 42, 'p4-q2'));
    assert.deepEqual(r4.data, {
      contestId: cid, questionId: 'q2', accepted: true, correct: true, pointsAwarded: 200, totalScore: 200,
    });
    const r1 = checkFrame(await P.p1.submit(cid, 'q2', '42'));
    assert.equal(r1.data.totalScore, 300);

    // Bob on a second connection: resync without join_contest.
    p2b = await connect('p2', 'Bob');
    p2b.send('resync', { contestId: cid });
    const rs = checkFrame(await p2b.next('contest_state'));
    assert.equal(rs.data.status, 'ACTIVE');
    assert.equal(rs.data.currentQuestion?.questionId, 'q2');
    assert.equal(rs.data.you.score, 100);
    assert.deepEqual(rs.data.you.answered, ['q1']);
    assert.ok(Number.isInteger(rs.data.you.rank) && rs.data.you.rank >= 1);
    assert.deepEqual((await Promise.all(['contest_start', 'question_broadcast', 'timer_update']
      .map((ev) => p2b.next(ev)))).map((m) => checkFrame(m).event),
    ['contest_start', 'question_broadcast', 'timer_update']);
    assert.deepEqual(p2b.received.slice(0, 4).map((x) => x.msg.event),
      ['contest_state', 'contest_start', 'question_broadcast', 'timer_update'], 'the resync snapshot, in order');
    const r2 = checkFrame(await p2b.submit(cid, 'q2', '41'));
    assert.deepEqual(r2.data, {
      contestId: cid, questionId: 'q2', accepted: true, correct: false, pointsAwarded: 0, totalScore: 100,
    });
    // The resent q1 answer after q1 closed: still the original result.
    const again = checkFrame(await P.p1.submit(cid, 'q1', 'Paris', 'p1-q1'));
    assert.deepEqual(again.data, firstResult.p1);
    // The answered question is closed now.
    const e = await P.p5.submit(cid, 'q1', 'Paris');
    assert.equal(e.data?.code, 'QUESTION_CLOSED', brief(e));
  });

  test('q3, then contest_end with competition ranks to everyone', async () => {
    const all = [...early.map((s) => P[s]), P.p4, p2b, admin];
    for (const c of all) {
      const b = checkFrame(await c.next('question_broadcast', { where: (m) => m.data.questionId === 'q3', timeout: 6000 }));
      assert.equal(b.data.endsAt, new Date(startMs + 3 * LIMIT * 1000).toISOString());
      assert.equal(b.data.index, 3);
    }
    assert.equal((await P.p3.submit(cid, 'q3', 'd')).data.totalScore, 300);
    // Bob's first connection still answers for him.
    assert.equal((await P.p2.submit(cid, 'q3', 'D')).data.totalScore, 400);
    assert.equal((await P.p1.submit(cid, 'q3', 'A')).data.totalScore, 300);

    const endMs = startMs + 3 * LIMIT * 1000;
    const answers = await server.sql(`SELECT userId, questionId, points, elapsedMs FROM contest_answers
      WHERE contestId = ${q(cid)}`);
    const expected = rankingOf([...early, 'p4'], answers);
    // Erin and Frank never answered: equal score and time, one rank; Gina
    // (0 points, with answer time) comes after them, a place skipped.
    assert.equal(expected.get('p5').rank, 5);
    assert.equal(expected.get('p6').rank, 5);
    assert.equal(expected.get('p7').rank, 7);
    assert.equal(expected.get('p2').rank, 1);

    let standings;
    for (const [who, c] of [...early.map((s) => [s, P[s]]), ['p4', P.p4], ['p2', p2b], ['admin-1', admin]]) {
      const end = checkFrame(await c.next('contest_end', { timeout: 6000 }));
      assert.ok(c.receivedAt(end) >= endMs - CLOCK_TOL_MS, 'contest_end before the schedule\'s end');
      assert.equal(end.data.contestId, cid);
      assert.equal(end.data.endTime, new Date(endMs).toISOString(), 'endTime is the schedule\'s end');
      standings ??= end.data.standings;
      assert.deepEqual(end.data.standings, standings, 'everyone sees the same standings');
      const mine = expected.get(who);
      assert.deepEqual(end.data.you, mine ? { rank: mine.rank, score: mine.score } : { rank: null, score: 0 },
        `${who}'s you`);
    }
    assert.equal(standings.length, 7);
    for (const s of standings) {
      const e = expected.get(s.userId);
      assert.deepEqual(s, { rank: e.rank, userId: s.userId, username: names[s.userId], score: e.score },
        `standing of ${s.userId} vs the answers stored`);
    }
    assert.deepEqual(standings.map((s) => s.rank), [...expected.values()].map((e) => e.rank));
  });

  test('every frame: shapes, timer_updates, question_change sequence, leaderboard batches', async () => {
    // [label, user, client]: Bob's second connection is labelled apart.
    const everyone = [...early.map((s) => [s, s, P[s]]), ['p4', 'p4', P.p4], ['p2 (2nd)', 'p2', p2b],
      ['admin-1', 'admin-1', admin]];
    for (const [, , c] of everyone) checkAllFrames(c);

    // The order of the milestones for one who was there from before the start.
    for (const s of early) {
      const seq = P[s].received.map((e) => e.msg)
        .filter((m) => ['contest_start', 'question_broadcast', 'question_change', 'contest_end'].includes(m.event))
        .map((m) => (m.event === 'question_change' ? `change ${m.data.previousQuestionId}>${m.data.nextQuestionId}`
          : m.event === 'question_broadcast' ? `question ${m.data.questionId}` : m.event));
      assert.deepEqual(seq, ['contest_start', 'question q1', 'change q1>q2', 'question q2', 'change q2>q3',
        'question q3', 'change q3>null', 'contest_end'], `${s}'s milestones`);
      // No submission_result without an answer, no timer_update after the end.
      const endAt = P[s].frames('contest_end')[0].at;
      assert.ok(P[s].frames('timer_update').every((e) => e.at <= endAt), 'timer_update after contest_end');
    }

    // timer_update: per question strictly decreasing, the broadcast's
    // endsAt, and never received before it was due.
    for (const [who, , c] of everyone) {
      const byQ = new Map();
      for (const e of c.frames('timer_update')) {
        const d = e.msg.data;
        assert.equal(d.contestId, cid);
        const endsAt = Date.parse(d.endsAt);
        const qIndex = Number(d.questionId.slice(1));
        assert.equal(endsAt, startMs + qIndex * LIMIT * 1000, `${who}: timer_update endsAt ${brief(d)}`);
        assert.ok(d.remaining >= 1 && d.remaining <= LIMIT, `${who}: remaining ${d.remaining}`);
        assert.ok(e.at >= endsAt - d.remaining * 1000 - CLOCK_TOL_MS,
          `${who}: timer_update ${brief(d)} received ${endsAt - d.remaining * 1000 - e.at} ms before it was due`);
        assert.ok(e.at <= endsAt - (d.remaining - 1) * 1000 + LATE_TOL_MS,
          `${who}: timer_update ${brief(d)} received ${e.at - (endsAt - (d.remaining - 1) * 1000)} ms after its second`);
        if (!byQ.has(d.questionId)) byQ.set(d.questionId, []);
        byQ.get(d.questionId).push(d.remaining);
      }
      for (const [qid, values] of byQ) {
        values.forEach((v, i) => assert.ok(i === 0 || v < values[i - 1],
          `${who}: ${qid} timer_update values not strictly decreasing: ${values}`));
      }
      if (early.includes(who) || who === 'admin-1') {
        assert.deepEqual([...byQ.keys()], ['q1', 'q2', 'q3'], `${who}: timer_updates for every question`);
        for (const [qid, values] of byQ) assert.deepEqual(values, [3, 2, 1], `${who}: ${qid} every second`);
      }
    }

    // leaderboard_update: batched (at most one per interval), each with
    // the recipient's own place.
    for (const [label, who, c] of everyone) {
      const ups = c.frames('leaderboard_update');
      assert.ok(ups.length >= 2, `${who}: ${ups.length} leaderboard_updates`);
      ups.forEach((e, i) => {
        const d = e.msg.data;
        assert.equal(d.contestId, cid);
        if (i > 0) {
          assert.ok(e.at - ups[i - 1].at >= 800,
            `${who}: leaderboard_updates ${e.at - ups[i - 1].at} ms apart (interval 1 s)`);
        }
        assert.ok(d.totalParticipants >= 6 && d.totalParticipants <= 7, `${who}: totalParticipants ${d.totalParticipants}`);
        assert.equal(d.top.length, d.totalParticipants, 'top 10 holds everyone');
        if (who === 'admin-1') {
          assert.deepEqual(d.you, { rank: null, score: 0 });
        } else {
          const own = d.top.find((x) => x.userId === who);
          assert.ok(own, `${who} not in ${brief(d.top)}`);
          assert.deepEqual(d.you, { rank: own.rank, score: own.score }, `${who}'s you vs top`);
        }
      });
    }
    // More answers than batches within q1: three answers in q1 came in well
    // under a second; the last update before the end is the final board.
    const end = P.p1.all('contest_end')[0];
    const ups = P.p1.all('leaderboard_update');
    assert.deepEqual(ups.at(-1).data.top, end.data.standings, 'the last leaderboard_update is the final board');
  });

  test('the database and the GET endpoints after the end', async () => {
    const endMs = startMs + 3 * LIMIT * 1000;
    const [row] = await sqlUntil(server, `SELECT status, startedAt, endedAt, pausedTotalMs FROM contests
      WHERE contestId = ${q(cid)}`, (r) => r[0]?.status === 'COMPLETED');
    assert.deepEqual(row, { status: 'COMPLETED', startedAt: startMs, endedAt: endMs, pausedTotalMs: 0 });
    const answers = await server.sql(`SELECT userId, questionId, correct, points, totalScore, elapsedMs, idempotencyKey
      FROM contest_answers WHERE contestId = ${q(cid)} ORDER BY id`);
    // Exactly the acknowledged answers, once each.
    const acked = new Map();
    for (const c of [...Object.values(P), p2b]) {
      for (const m of c.all('submission_result')) {
        const k = `${c.label}/${m.data.questionId}`;
        if (acked.has(k)) assert.deepEqual(m.data, acked.get(k), `${k}: two different results`);
        acked.set(k, m.data);
      }
    }
    assert.equal(answers.length, acked.size, `rows ${brief(answers, 1500)} vs acks ${brief([...acked.keys()])}`);
    for (const a of answers) {
      const r = acked.get(`${a.userId}/${a.questionId}`);
      assert.ok(r, `a stored answer nobody was told about: ${brief(a)}`);
      assert.deepEqual({ correct: a.correct === 1, points: a.points, totalScore: a.totalScore },
        { correct: r.correct, points: r.pointsAwarded, totalScore: r.totalScore });
      assert.ok(a.elapsedMs >= 0 && a.elapsedMs <= LIMIT * 1000);
    }
    const expected = rankingOf(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'], answers);
    const standings = await server.sql(`SELECT userId, username, rank, score, timeMs FROM contest_standings
      WHERE contestId = ${q(cid)} ORDER BY rank, userId`);
    assert.equal(standings.length, 7);
    for (const s of standings) {
      const e = expected.get(s.userId);
      assert.deepEqual(s, { userId: s.userId, username: names[s.userId], rank: e.rank, score: e.score, timeMs: e.timeMs });
    }
    const end = P.p1.all('contest_end')[0];

    const g = await api(server, 'GET', `/api/contests/${cid}`, { token: server.token('p5', 'Erin') });
    assert.equal(g.status, 200);
    checkContestJson(g.body, cid);
    assert.equal(g.body.status, 'COMPLETED');
    assert.equal(g.body.startTime, new Date(startMs).toISOString());
    assert.equal(g.body.endTime, new Date(endMs).toISOString());
    assert.equal(g.body.currentQuestion, null);
    assert.equal(g.body.remaining, 0);
    assert.equal(g.body.participants, 7);
    assert.equal(g.body.frozen, false);

    const lb = await api(server, 'GET', `/api/contests/${cid}/leaderboard`, { token: server.token('p5', 'Erin') });
    assert.equal(lb.status, 200);
    assert.deepEqual(Object.keys(lb.body), ['contestId', 'frozen', 'total', 'offset', 'standings']);
    assert.deepEqual(lb.body, { contestId: cid, frozen: false, total: 7, offset: 0, standings: end.data.standings });
    const page = await api(server, 'GET', `/api/contests/${cid}/leaderboard?offset=4&limit=2`, { token: adminToken(server) });
    assert.equal(page.status, 200);
    assert.deepEqual(page.body, { contestId: cid, frozen: false, total: 7, offset: 4, standings: end.data.standings.slice(4, 6) });
    assert.ok(!allKeys(lb.body).has('answer') && !allKeys(page.body).has('answer'));
  });

  test('joining a finished contest: contest_state COMPLETED and contest_end, as an onlooker', async () => {
    const late = await connect('p8', 'Hank');
    const st = checkFrame(await late.join(cid));
    assert.equal(st.data.status, 'COMPLETED');
    assert.equal(st.data.currentQuestion, null);
    assert.equal(st.data.you.rank, null);
    const end = checkFrame(await late.next('contest_end'));
    assert.deepEqual(end.data.standings, P.p1.all('contest_end')[0].data.standings);
    assert.deepEqual(end.data.you, { rank: null, score: 0 });
    const e = await late.submit(cid, 'q3', 'D');
    assert.equal(e.event, 'error');
    // Already-joined p1 resyncs: the same end, its own place.
    P.p1.send('resync', { contestId: cid });
    const rs = checkFrame(await P.p1.next('contest_state'));
    assert.equal(rs.data.status, 'COMPLETED');
    assert.deepEqual(rs.data.you.answered, ['q1', 'q2', 'q3']);
    const end1 = checkFrame(await P.p1.next('contest_end'));
    assert.deepEqual(end1.data.you, P.p1.all('contest_end')[0].data.you);
  });
});

test('speed scoring: round(points × (1 − 0.5 × elapsed/timeLimit)) from the stored elapsed time', async () => {
  const L = 4;
  const cid = await createContest(server, {
    title: 'Speed round',
    questions: [{ id: 's1', text: 'Capital of Italy?', options: null, answer: 'Rome', points: 100, timeLimit: L }],
  });
  const [a, b, c] = await Promise.all([['s-a', 'Ann'], ['s-b', 'Ben'], ['s-c', 'Cid']].map(([u, n]) => connect(u, n)));
  for (const x of [a, b, c]) await x.join(cid);
  const r = await lifecycle(server, cid, 'start');
  assert.equal(r.status, 200);
  assert.equal(r.body.scoring, 'speed');
  const bq = await a.next('question_broadcast');
  const opensAt = Date.parse(bq.data.endsAt) - L * 1000;
  await b.next('question_broadcast');
  await c.next('question_broadcast');

  const timed = async (client, answer, key) => {
    const sentAt = now();
    const res = await client.submit(cid, 's1', answer, key);
    return { res: checkFrame(res), sentAt, gotAt: client.receivedAt(res) };
  };
  const ta = await timed(a, 'rome', 'ka');
  await settle(1500); // Ben answers later: fewer points
  const tb = await timed(b, 'ROME', 'kb');
  const tc = await timed(c, 'Milan', 'kc');
  const rows = await server.sql(`SELECT userId, points, elapsedMs, totalScore FROM contest_answers
    WHERE contestId = ${q(cid)} ORDER BY userId`);
  const byUser = Object.fromEntries(rows.map((x) => [x.userId, x]));
  const speed = (ms) => Math.round(100 * (1 - 0.5 * Math.min(Math.max(ms, 0), L * 1000) / (L * 1000)));
  for (const [u, t, correct] of [['s-a', ta, true], ['s-b', tb, true], ['s-c', tc, false]]) {
    const row = byUser[u];
    assert.equal(t.res.event, 'submission_result', brief(t.res));
    assert.equal(t.res.data.correct, correct);
    // The elapsed time lies between our send and our receipt.
    assert.ok(row.elapsedMs >= t.sentAt - opensAt - CLOCK_TOL_MS && row.elapsedMs <= t.gotAt - opensAt + CLOCK_TOL_MS,
      `${u}: elapsedMs ${row.elapsedMs} not within [${t.sentAt - opensAt}, ${t.gotAt - opensAt}]`);
    const want = correct ? speed(row.elapsedMs) : 0;
    assert.equal(row.points, want, `${u}: stored points vs the formula at ${row.elapsedMs} ms`);
    assert.equal(t.res.data.pointsAwarded, want);
    assert.equal(t.res.data.totalScore, want);
    if (correct) {
      // And as the client measures it, give or take the rounding.
      const lo = speed(t.gotAt - opensAt);
      const hi = speed(t.sentAt - opensAt);
      assert.ok(t.res.data.pointsAwarded >= lo - 1 && t.res.data.pointsAwarded <= hi + 1,
        `${u}: ${t.res.data.pointsAwarded} points not in [${lo - 1}, ${hi + 1}]`);
    }
  }
  assert.ok(ta.res.data.pointsAwarded > tb.res.data.pointsAwarded, 'the faster answer earns more');
  assert.ok(tb.res.data.pointsAwarded < 85, `Ben answered ~1.5 s in: ${tb.res.data.pointsAwarded}`);
  const end = checkFrame(await a.next('contest_end', { timeout: L * 1000 + 3000 }));
  assert.deepEqual(end.data.standings.map((s) => [s.userId, s.rank, s.score]),
    [['s-a', 1, ta.res.data.pointsAwarded], ['s-b', 2, tb.res.data.pointsAwarded], ['s-c', 3, 0]]);
  assert.deepEqual(end.data.you, { rank: 1, score: ta.res.data.pointsAwarded });
});
