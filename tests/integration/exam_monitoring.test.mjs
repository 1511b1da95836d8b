// Live exam monitoring (seed 004) against the real proctord binary with the
// stock socket.io-client: students take an exam, teachers watch it live,
// answers are acknowledged once they are in the database, time runs out,
// teachers force an end, students may not monitor; a client whose
// transport drops, or whose server is killed and restarted, gets back what
// it missed (socket.recovered === true), once and in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import {
  checkOnceInOrder, checkSession, connectExam, createExam, examResults, expectHttpError,
  isIso, isRecentIso, readDb, rest, studentToken, teacherToken, WAIT_MS,
} from './lib/exam_client.mjs';

const ARGS = ['--exam-time-update-interval', '1'];

let server;
before(async () => { server = await startServer({ args: ARGS }); });
after(async () => { await server?.stopAndCheck(); });

for (const [label, transports] of [['default transports', null], ['websocket only', ['websocket']]]) {
  test(`an exam with two students and a teacher who joins mid-exam (${label})`, async () => {
    const examId = await createExam(server, { title: 'Midterm', durationMinutes: 30, questionCount: 3 });
    const ann = await connectExam(server, { token: studentToken(server, 'ann'), transports, label: 'ann' });
    const bob = await connectExam(server, { token: studentToken(server, 'bob'), transports, label: 'bob' });
    const joined = await ann.join(examId, { sessionId: 'ann-session' });
    assert.deepEqual(Object.keys(joined).sort(),
      ['answeredCount', 'endsAt', 'examId', 'sessionId', 'startedAt', 'timeRemaining']);
    assert.equal(joined.sessionId, 'ann-session');
    assert.equal(joined.timeRemaining, 1800);
    assert.ok(isRecentIso(joined.startedAt));
    assert.equal(Date.parse(joined.endsAt) - Date.parse(joined.startedAt), 1800 * 1000);
    const clock = await ann.waitFor('time-update');
    assert.deepEqual(Object.keys(clock).sort(), ['endsAt', 'examId', 'timeRemaining']);
    await bob.join(examId);
    const ack = await ann.emitWithAck('submit-answer', { questionId: 'q1', answer: 'B', timeSpent: 42 });
    assert.equal(ack.ok, true);

    // The teacher arrives mid-exam and sees both at once.
    const teacher = await connectExam(server, { token: teacherToken(server), transports, label: 'teacher' });
    const view = await teacher.monitor(examId);
    assert.equal(view.students.length, 2);
    const byId = Object.fromEntries(view.students.map((s) => [s.studentId, s]));
    checkSession(byId.ann, 'ann', { status: 'active', connected: true, answeredCount: 1 });
    checkSession(byId.bob, 'bob', { status: 'active', connected: true, answeredCount: 0 });
    assert.equal(byId.ann.lastQuestionId, 'q1');
    assert.equal(byId.ann.name, 'Student ann');
    assert.deepEqual(byId.ann.deviceInfo, { os: 'Linux', browser: 'node' });
    assert.deepEqual(byId.bob.networkInfo, { type: 'ethernet' });
    const tick = await teacher.waitFor('time-update');
    assert.ok(isIso(tick.serverTime));
    assert.deepEqual(tick.students.map((s) => s.studentId).sort(), ['ann', 'bob']);

    // Live from then on.
    await bob.emitWithAck('submit-answer', { questionId: 'q2', answer: { choice: 3 }, timeSpent: 7.5 });
    const progress = await teacher.waitFor('progress-update', (p) => p.studentId === 'bob');
    assert.deepEqual(progress, {
      examId, studentId: 'bob', answeredCount: 1, lastQuestionId: 'q2', timeSpent: 7.5,
      timeRemaining: progress.timeRemaining, status: 'active',
    });
    ann.emit('end-exam', { submissionType: 'manual', finalScore: 90 });
    const ended = await ann.waitFor('exam-ended');
    assert.deepEqual(Object.keys(ended).sort(), ['endedAt', 'examId', 'submissionType']);
    assert.equal(ended.submissionType, 'manual');
    const seen = await teacher.waitFor('exam-ended');
    assert.equal(seen.studentId, 'ann');
    bob.terminate();
    const gone = await teacher.waitFor('student-disconnected');
    assert.equal(gone.studentId, 'bob');
    assert.ok(isRecentIso(gone.at));
    // Every logged event carried its offset; live ones none.
    for (const e of teacher.all()) {
      if (['monitoring-joined', 'progress-update', 'exam-ended', 'student-disconnected'].includes(e.name)) {
        assert.match(e.offset ?? '', /^\d+$/, `${e.name} offset`);
      }
      if (e.name === 'time-update') assert.equal(e.offset, undefined);
    }
    checkOnceInOrder(teacher.offsets(), 'teacher');
    ann.terminate();
    teacher.terminate();
  });
}

test('an answer is acknowledged only once it is in the database', async () => {
  const examId = await createExam(server);
  const s = await connectExam(server, { token: studentToken(server, 'cat'), label: 'cat' });
  await s.join(examId);
  for (const [q, answer] of [['q1', 'first'], ['q2', [1, 2]], ['q1', 'second']]) {
    const ack = await s.emitWithAck('submit-answer', { questionId: q, answer, timeSpent: 3 });
    // Read right after the acknowledgement, by another process, read-only.
    const rows = await readDb(server,
      `SELECT answer FROM exam_answers WHERE examId = '${examId}' AND studentId = 'cat' AND questionId = '${q}'`);
    assert.equal(rows.length, 1, `the answer to ${q} is stored when acknowledged`);
    assert.deepEqual(JSON.parse(rows[0].answer), answer);
    assert.equal(ack.ok, true);
    assert.ok(isRecentIso(ack.savedAt));
    const submitted = await s.waitFor('answer-submitted', (a) => a.questionId === q);
    assert.equal(submitted.savedAt, ack.savedAt);
    assert.equal(submitted.answeredCount, ack.answeredCount);
  }
  const results = await examResults(server, examId);
  const cat = results.students.find((x) => x.studentId === 'cat');
  assert.equal(cat.answeredCount, 2); // q1 resubmitted: replaced, not counted twice
  assert.deepEqual(cat.answers.map((a) => [a.questionId, a.answer]).sort(),
    [['q1', 'second'], ['q2', [1, 2]]]);
  // Refusals come as the acknowledgement and as exam-error.
  const bad = await s.emitWithAck('submit-answer', { answer: 1 });
  assert.equal(bad.ok, false);
  assert.equal(bad.code, 'INVALID_PAYLOAD');
  assert.match(bad.message, /questionId/);
  await s.expectError('INVALID_PAYLOAD');
  s.terminate();
});

test("a student's time runs out and the server ends its exam", async () => {
  const examId = await createExam(server, { title: 'Quiz', durationSeconds: 2, questionCount: 1 });
  const teacher = await connectExam(server, { token: teacherToken(server), label: 'teacher' });
  await teacher.monitor(examId);
  const s = await connectExam(server, { token: studentToken(server, 'dan'), label: 'dan' });
  const joined = await s.join(examId);
  assert.equal(joined.timeRemaining, 2);
  const ended = await s.waitFor('exam-ended', undefined, 5000);
  assert.equal(ended.submissionType, 'timeout');
  const endedAt = Date.parse(ended.endedAt);
  assert.ok(Math.abs(endedAt - Date.parse(joined.endsAt)) < 1000, `ended ${ended.endedAt}, due ${joined.endsAt}`);
  const seen = await teacher.waitFor('exam-ended');
  assert.deepEqual(seen, { examId, studentId: 'dan', endedAt: ended.endedAt, submissionType: 'timeout' });
  const late = await s.emitWithAck('submit-answer', { questionId: 'q1', answer: 1 });
  assert.equal(late.code, 'EXAM_ENDED');
  const rows = await readDb(server, `SELECT status, submissionType FROM exam_students WHERE examId = '${examId}'`);
  assert.deepEqual(rows, [{ status: 'ended', submissionType: 'timeout' }]);
  s.terminate();
  teacher.terminate();
});

test("a teacher force-ends a student's exam and a student may not", async () => {
  const examId = await createExam(server);
  const teacher = await connectExam(server, { token: teacherToken(server), label: 'teacher' });
  await teacher.monitor(examId);
  const eve = await connectExam(server, { token: studentToken(server, 'eve'), label: 'eve' });
  const fay = await connectExam(server, { token: studentToken(server, 'fay'), label: 'fay' });
  await eve.join(examId);
  await fay.join(examId);
  // A student asking to monitor or to force-end: FORBIDDEN, nothing changes.
  fay.emit('join-monitoring', { examId });
  await fay.expectError('FORBIDDEN');
  fay.emit('force-end-exam', { examId, studentId: 'eve' });
  await fay.expectError('FORBIDDEN');
  await eve.expectNone('exam-ended');
  await fay.expectNone('monitoring-joined');
  // A role the token does not have cannot be claimed in a payload.
  fay.emit('join-monitoring', { examId, role: 'teacher', userInfo: { role: 'teacher' } });
  await fay.expectError('FORBIDDEN');

  teacher.emit('force-end-exam', { examId, studentId: 'eve' });
  const ended = await eve.waitFor('exam-ended');
  assert.equal(ended.submissionType, 'forced');
  const seen = await teacher.waitFor('exam-ended');
  assert.equal(seen.studentId, 'eve');
  assert.equal(seen.submissionType, 'forced');
  await fay.expectNone('exam-ended');
  const results = await examResults(server, examId);
  assert.deepEqual(results.students.map((x) => [x.studentId, x.status]).sort(),
    [['eve', 'ended'], ['fay', 'active']]);
  for (const c of [teacher, eve, fay]) c.terminate();
});

test('a CONNECT without a teacher or student token is refused UNAUTHORIZED', async () => {
  for (const token of [undefined, 'not-a-jwt', server.token('x', 'X', { role: 'learner' })]) {
    await assert.rejects(connectExam(server, { token, reconnection: false, label: 'nobody' }),
      /connect_error: UNAUTHORIZED/);
  }
});

test('recovery after a dropped transport: the missed events once and in order', async () => {
  const examId = await createExam(server);
  const teacher = await connectExam(server, { token: teacherToken(server, 'tom'), label: 'tom' });
  await teacher.monitor(examId);
  const gus = await connectExam(server, { token: studentToken(server, 'gus'), label: 'gus' });
  await gus.join(examId);
  await teacher.waitFor('student-joined');
  // The teacher's transport drops; it reconnects by itself (the stock
  // client's reconnection), after the students moved on.
  const before = teacher.offsets();
  teacher.socket.io.reconnection(false);
  teacher.socket.io.engine.close();
  await teacher.waitFor('disconnect');
  await gus.emitWithAck('submit-answer', { questionId: 'q1', answer: 1 });
  const hal = await connectExam(server, { token: studentToken(server, 'hal'), label: 'hal' });
  await hal.join(examId);
  await gus.emitWithAck('submit-answer', { questionId: 'q2', answer: 2 });
  teacher.socket.io.reconnection(true);
  teacher.socket.connect();
  await teacher.waitFor('connect');
  assert.equal(teacher.socket.recovered, true);
  const missed = [
    await teacher.waitFor('progress-update', (p) => p.lastQuestionId === 'q1', WAIT_MS, { entry: true }),
    await teacher.waitFor('student-joined', (p) => p.student.studentId === 'hal', WAIT_MS, { entry: true }),
    await teacher.waitFor('progress-update', (p) => p.lastQuestionId === 'q2', WAIT_MS, { entry: true }),
  ];
  const offsets = missed.map((e) => Number(e.offset));
  checkOnceInOrder([before.at(-1), ...offsets], 'missed');
  await teacher.expectNone('progress-update');
  checkOnceInOrder(teacher.offsets(), 'teacher');
  // A student's drop shows at once, its recovery shows it back.
  gus.socket.io.engine.close();
  const gone = await teacher.waitFor('student-disconnected');
  assert.equal(gone.studentId, 'gus');
  await gus.waitFor('connect');
  assert.equal(gus.socket.recovered, true);
  const back = await teacher.waitFor('student-joined', (p) => p.student.studentId === 'gus');
  checkSession(back.student, 'gus', { status: 'active', connected: true, answeredCount: 2 });
  const ack = await gus.emitWithAck('submit-answer', { questionId: 'q3', answer: 3 });
  assert.equal(ack.answeredCount, 3);
  for (const c of [teacher, gus, hal]) c.terminate();
});

test('recovery after kill -9: restarted on the same database and port', async () => {
  // A server of its own: this test kills it.
  let s1 = await startServer({ args: ARGS });
  try {
    const examId = await createExam(s1);
    const teacher = await connectExam(s1, { token: teacherToken(s1, 'ida'), transports: ['websocket'], label: 'ida' });
    await teacher.monitor(examId);
    const jo = await connectExam(s1, { token: studentToken(s1, 'jo'), transports: ['websocket'], label: 'jo' });
    const joined = await jo.join(examId);
    await teacher.waitFor('student-joined');
    await jo.emitWithAck('submit-answer', { questionId: 'q1', answer: 'kept' });
    await teacher.waitFor('progress-update');
    const seen = teacher.offsets();
    // kill() closes the clients it knows of: these must live on.
    s1.clients.delete(teacher);
    s1.clients.delete(jo);
    await s1.kill({ keepFiles: true });
    const s2 = await s1.restart({ args: [...ARGS, '--port', String(s1.port)] });
    s1 = s2;
    s2.clients.add(teacher);
    s2.clients.add(jo);
    // Both reconnect by themselves and recover.
    await teacher.waitFor('connect', undefined, 15000);
    await jo.waitFor('connect', undefined, 15000);
    assert.equal(teacher.socket.recovered, true);
    assert.equal(jo.socket.recovered, true);
    // What the teacher missed: jo was disconnected by the restart, then came
    // back; each once, after what it had seen.
    const gone = await teacher.waitFor('student-disconnected', undefined, WAIT_MS, { entry: true });
    const back = await teacher.waitFor('student-joined', undefined, WAIT_MS, { entry: true });
    assert.equal(gone.payload.studentId, 'jo');
    checkSession(back.payload.student, 'jo', { status: 'active', connected: true, answeredCount: 1 });
    checkOnceInOrder([seen.at(-1), Number(gone.offset), Number(back.offset)], 'after the restart');
    checkOnceInOrder(teacher.offsets(), 'teacher');
    await teacher.expectNone('student-joined');
    // The sitting, its answer and its clock survived.
    const ack = await jo.emitWithAck('submit-answer', { questionId: 'q2', answer: 'after' });
    assert.equal(ack.answeredCount, 2);
    const tick = await jo.waitFor('time-update');
    assert.equal(tick.endsAt, joined.endsAt);
    const results = await examResults(s2, examId);
    assert.deepEqual(results.students[0].answers.map((a) => a.answer).sort(), ['after', 'kept']);
    teacher.terminate();
    jo.terminate();
  } finally {
    await s1.stop();
  }
});

test('the REST API: 401, 403, 400 and 404', async () => {
  const student = studentToken(server, 'kim');
  const teacher = teacherToken(server);
  const body = { title: 'T', durationMinutes: 10, questionCount: 2 };
  expectHttpError(await rest(server, 'POST', '/api/exams', { body }), 401, 'UNAUTHORIZED');
  expectHttpError(await rest(server, 'POST', '/api/exams', { body, token: 'nope' }), 401, 'UNAUTHORIZED');
  expectHttpError(await rest(server, 'POST', '/api/exams', { body, token: student }), 403, 'FORBIDDEN');
  expectHttpError(await rest(server, 'POST', '/api/exams', { body: { ...body, questionCount: 0 }, token: teacher }),
    400, 'INVALID_FIELD', 'questionCount');
  expectHttpError(await rest(server, 'POST', '/api/exams', { body: { questionCount: 1, durationMinutes: 1 }, token: teacher }),
    400, 'INVALID_FIELD', 'title');
  expectHttpError(await rest(server, 'POST', '/api/exams', { rawBody: '{', token: teacher }), 400, 'INVALID_BODY');
  const examId = await createExam(server, body, server.token('adm', 'Adm', { role: 'admin' }));
  const info = await rest(server, 'GET', `/api/exams/${examId}`, { token: student });
  assert.equal(info.status, 200);
  assert.deepEqual(info.body, {
    examId, title: 'T', durationSeconds: 600, questionCount: 2, createdBy: 'adm',
    createdAt: info.body.createdAt, students: { active: 0, disconnected: 0, ended: 0 },
  });
  expectHttpError(await rest(server, 'GET', `/api/exams/${examId}`), 401, 'UNAUTHORIZED');
  expectHttpError(await rest(server, 'GET', `/api/exams/${examId}/results`, { token: student }), 403, 'FORBIDDEN');
  expectHttpError(await rest(server, 'GET', '/api/exams/no-such-exam', { token: teacher }), 404, 'EXAM_NOT_FOUND');
  expectHttpError(await rest(server, 'GET', '/api/exams/no-such-exam/results', { token: teacher }), 404, 'EXAM_NOT_FOUND');
  expectHttpError(await rest(server, 'DELETE', `/api/exams/${examId}`, { token: teacher }), 405, 'METHOD_NOT_ALLOWED');
  const results = await examResults(server, examId);
  assert.deepEqual(results.students, []);
  // /api/stats has the exams beside the counters.
  const stats = await (await fetch(`${server.httpUrl}/api/stats`)).json();
  assert.deepEqual(Object.keys(stats.exams).sort(),
    ['active', 'monitoringTeachers', 'studentsActive', 'studentsDisconnected', 'studentsEnded']);
  assert.ok(stats.exams.studentsEnded >= 1);
});
