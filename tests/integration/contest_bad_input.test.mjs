// Bad input on the contest dialect (protocol/README.md, "Connecting",
// "Errors", "HTTP API"): each close code at the upgrade, 1009 for an
// oversized frame, each malformed frame with its error code (the connection
// staying usable: a ping after gets its pong), CONTEST_NOT_FOUND,
// NOT_JOINED, QUESTION_CLOSED, RATE_LIMITED, and the HTTP API's 401, 403,
// 400 naming the field, 404 and 405. All the while a bystander in a live
// contest keeps getting its timer_update every second.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, brief, settle, badTokens, token } from './lib/harness.mjs';
import {
  ContestClient, connectContest, api, adminToken, createContest, lifecycle, checkFrame, checkAllFrames,
} from './lib/contest_client.mjs';
import { now } from './lib/clock.mjs';

const MAX_FRAME = 4096;

let server;
let cid; // a live contest with one long question
let bystander;
let bystanderSince;
const clients = [];

before(async () => {
  server = await startServer({ args: ['--leaderboard-interval', '1', '--max-frame-bytes', String(MAX_FRAME)] });
  cid = await createContest(server, {
    title: 'Long question',
    questions: [
      { id: 'open', text: 'Still open?', options: null, answer: 'yes', points: 10, timeLimit: 120 },
      { id: 'later', text: 'Later?', options: null, answer: 'no', points: 10, timeLimit: 10 },
    ],
  });
  bystander = await connect('bystander', 'Bea Stander');
  await bystander.join(cid);
  assert.equal((await lifecycle(server, cid, 'start')).status, 200);
  await bystander.next('question_broadcast');
  bystanderSince = now();
});

after(async () => {
  for (const c of clients) c.terminate();
  await server?.stopAndCheck();
});

async function connect(sub, name, tokenOpts) {
  const c = await connectContest(server, sub, name, tokenOpts);
  clients.push(c);
  return c;
}

test('refused at the upgrade: 4001 no/bad token, 4002 expired, 4003 banned; a Bearer header works', async () => {
  const cases = [
    ['no token', {}, 4001],
    ['garbage token', { token: 'not-a-jwt' }, 4001],
    ['empty token', { token: '' }, 4001],
    ['another secret', { token: token('x1', 'X', { secret: `${server.secret}-other` }) }, 4001],
    ['alg none', { token: badTokens(server.secret, 'x1')['alg none'] }, 4001],
    ['tampered payload', { token: badTokens(server.secret, 'x1')['tampered payload'] }, 4001],
    ['HS512', { token: badTokens(server.secret, 'x1')['HS512 (another algorithm)'] }, 4001],
    ['expired', { token: server.token('x1', 'X', { exp: Math.floor(Date.now() / 1000) - 120 }) }, 4002],
    ['role banned', { token: server.token('x1', 'X', { role: 'banned' }) }, 4003],
    ['expired in a Bearer header', { headers: { Authorization: `Bearer ${server.token('x1', 'X', { expiresIn: -120 })}` } }, 4002],
    ['garbage Bearer header', { headers: { Authorization: 'Bearer nope' } }, 4001],
  ];
  for (const [what, opts, code] of cases) {
    const r = await ContestClient.refusal(server, opts);
    assert.equal(r.code, code, `${what}: closed with ${r.code} "${r.reason}"`);
    assert.deepEqual(r.frames, [], `${what}: no frame before the close`);
  }
  const viaHeader = await ContestClient.connect(server, {
    headers: { Authorization: `Bearer ${server.token('hdr', 'Hedda')}` }, label: 'header',
  });
  clients.push(viaHeader);
  await viaHeader.ping();
  const st = checkFrame(await viaHeader.join(cid));
  assert.equal(st.data.status, 'ACTIVE');
  // Other roles may join by default.
  const teacher = await connect('t1', 'Tess', { role: 'teacher' });
  await teacher.ping();
});

test('--contest-roles: only the listed roles, and admins, may join', async () => {
  const s2 = await startServer({ args: ['--contest-roles', 'student,guest'] });
  try {
    for (const role of ['student', 'guest', 'admin']) {
      const c = await ContestClient.connect(s2, { token: s2.token(`u-${role}`, 'U', { role }) });
      await c.ping();
      c.close();
    }
    for (const role of ['teacher', 'banned', 'students']) {
      const r = await ContestClient.refusal(s2, { token: s2.token(`u-${role}`, 'U', { role }) });
      assert.equal(r.code, 4003, `role ${role}: ${r.code}`);
    }
    const r = await ContestClient.refusal(s2, { token: s2.token('u-norole', 'U') });
    assert.equal(r.code, 4003, `no role at all: ${r.code}`);
  } finally {
    await s2.stopAndCheck();
  }
});

test('a frame over --max-frame-bytes closes with 1009; one at the limit is served', async () => {
  const ok = await connect('big-ok', 'Ok');
  const pad = (n) => {
    const base = JSON.stringify({ event: 'ping', data: { pad: '' } });
    return JSON.stringify({ event: 'ping', data: { pad: 'x'.repeat(n - base.length) } });
  };
  ok.sendRaw(pad(MAX_FRAME));
  await ok.next('pong');
  const big = await connect('big', 'Big');
  big.sendRaw(pad(MAX_FRAME + 1));
  const info = await big.waitClosed();
  assert.equal(info.code, 1009, `closed with ${info.code}`);
  await ok.ping();
});

test('malformed frames: each answered with its error code; the connection stays usable', async () => {
  const c = await connect('bad-frames', 'Bad Frames');
  const deep = (levels) => {
    // {"event":"ping","data":{"x": [[...]]}}: the frame's own object and
    // data are two levels.
    let inner = '0';
    for (let i = 0; i < levels - 2; i += 1) inner = `[${inner}]`;
    return `{"event":"ping","data":{"x":${inner}}}`;
  };
  const cases = [
    ['not JSON', '{not json', 'INVALID_EVENT'],
    ['truncated JSON', '{"event":"ping","data":{', 'INVALID_EVENT'],
    ['empty frame', '', 'INVALID_EVENT'],
    ['an array', '[1,2,3]', 'INVALID_EVENT'],
    ['a string', '"ping"', 'INVALID_EVENT'],
    ['no event', '{"data":{}}', 'INVALID_EVENT'],
    ['event not a string', '{"event":5,"data":{}}', 'INVALID_EVENT'],
    ['unknown event', '{"event":"hack_the_board","data":{}}', 'INVALID_EVENT'],
    ['a server event', '{"event":"contest_end","data":{}}', 'INVALID_EVENT'],
    ['data an array', '{"event":"join_contest","data":["x"]}', 'INVALID_EVENT'],
    ['data a string', '{"event":"ping","data":"x"}', 'INVALID_EVENT'],
    ['too deep (33)', deep(33), 'INVALID_EVENT'],
    ['join without data', '{"event":"join_contest"}', 'INVALID_PAYLOAD', 'data'],
    ['join with data null', '{"event":"join_contest","data":null}', 'INVALID_PAYLOAD', 'data'],
    ['join without contestId', '{"event":"join_contest","data":{}}', 'INVALID_PAYLOAD', 'data.contestId'],
    ['join with an empty contestId', '{"event":"join_contest","data":{"contestId":""}}', 'INVALID_PAYLOAD', 'data.contestId'],
    ['join with a numeric contestId', '{"event":"join_contest","data":{"contestId":7}}', 'INVALID_PAYLOAD', 'data.contestId'],
    ['resync with contestId null', '{"event":"resync","data":{"contestId":null}}', 'INVALID_PAYLOAD', 'data.contestId'],
    ['submit without questionId', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, answer: 'x' } }), 'INVALID_PAYLOAD', 'data.questionId'],
    ['submit with questionId true', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: true, answer: 'x' } }), 'INVALID_PAYLOAD', 'data.questionId'],
    ['submit without answer', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open' } }), 'INVALID_PAYLOAD', 'data.answer'],
    ['submit with answer null', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open', answer: null } }), 'INVALID_PAYLOAD', 'data.answer'],
    ['submit with an object answer', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open', answer: { a: 1 } } }), 'INVALID_PAYLOAD', 'data.answer'],
    ['submit with an array answer', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open', answer: ['yes'] } }), 'INVALID_PAYLOAD', 'data.answer'],
    ['idempotencyKey a number', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open', answer: 'x', idempotencyKey: 5 } }), 'INVALID_PAYLOAD', 'data.idempotencyKey'],
    ['idempotencyKey of 129 bytes', JSON.stringify({ event: 'submit_answer', data: { contestId: cid, questionId: 'open', answer: 'x', idempotencyKey: 'k'.repeat(129) } }), 'INVALID_PAYLOAD', 'data.idempotencyKey'],
  ];
  for (const [what, frame, code, field] of cases) {
    c.sendRaw(frame);
    const e = await c.next('error').catch((err) => { throw new Error(`${what}: ${err.message}`); });
    checkFrame(e);
    assert.equal(e.data.code, code, `${what}: ${brief(e)}`);
    if (field) assert.ok(e.data.message.includes(field), `${what}: the message should name ${field}: "${e.data.message}"`);
    await c.ping().catch((err) => { throw new Error(`after ${what}: ${err.message}`); });
  }
  // Accepted: depth 32, unknown members, ping with no data or data null.
  for (const frame of [deep(32), '{"event":"ping","data":{},"extra":[1]}', '{"event":"ping"}', '{"event":"ping","data":null}']) {
    c.sendRaw(frame);
    await c.next(['pong', 'error']).then((m) => assert.equal(m.event, 'pong', `${frame.slice(0, 60)}: ${brief(m)}`));
  }
  // The idempotencyKey limit is 128 bytes: 128 is fine (answered by the
  // contest: not joined).
  const e = await c.submit(cid, 'open', 'x', 'k'.repeat(128));
  assert.equal(e.data?.code, 'NOT_JOINED', brief(e));
  // Unknown members inside data are ignored too.
  c.send('join_contest', { contestId: cid, color: 'blue' });
  assert.equal((await c.next('contest_state')).data.status, 'ACTIVE');
  checkAllFrames(c);
});

test('a binary frame: closed with 1003 (text frames only), as RFC 6455 allows', async () => {
  // protocol/README.md says only that text frames carry the JSON; the
  // server closes with 1003 "unsupported data".
  const c = await connect('binary', 'Bin');
  c.sendRaw(Buffer.from('{"event":"ping","data":{}}'));
  const info = await c.waitClosed();
  assert.equal(info.code, 1003, `closed with ${info.code}`);
  assert.deepEqual(c.all('pong'), []);
});

test('CONTEST_NOT_FOUND, NOT_JOINED, QUESTION_CLOSED', async () => {
  const c = await connect('lost', 'Lost');
  c.send('join_contest', { contestId: 'no-such-contest' });
  await c.expectError('CONTEST_NOT_FOUND');
  c.send('resync', { contestId: 'no-such-contest' });
  await c.expectError('CONTEST_NOT_FOUND');
  c.send('submit_answer', { contestId: 'no-such-contest', questionId: 'open', answer: 'yes' });
  await c.expectError('CONTEST_NOT_FOUND');
  c.send('resync', { contestId: cid });
  await c.expectError('NOT_JOINED');
  c.send('submit_answer', { contestId: cid, questionId: 'open', answer: 'yes' });
  await c.expectError('NOT_JOINED');
  await c.join(cid);
  for (const qid of ['later', 'no-such-question']) {
    const e = await c.submit(cid, qid, 'no');
    assert.equal(e.data?.code, 'QUESTION_CLOSED', `${qid}: ${brief(e)}`);
  }
  const ok = checkFrame(await c.submit(cid, 'open', 'YES'));
  assert.equal(ok.data.correct, true);
  // Another connection of the same user is joined already through the user.
  const c2 = await connect('lost', 'Lost');
  const again = await c2.submit(cid, 'open', 'yes');
  assert.equal(again.data?.code, 'ALREADY_ANSWERED', brief(again));
  await c.ping();
  await c2.ping();
  assert.equal((await server.sql(`SELECT count(*) AS n FROM contest_answers WHERE userId = 'lost'`))[0].n, 1);
});

test('RATE_LIMITED: a flood is cut, the connection goes on', async () => {
  const c = await connect('flood', 'Flo');
  for (let i = 0; i < 100; i += 1) c.send('ping', {});
  await settle(300);
  const pongs = c.all('pong').length;
  const limited = c.all('error').filter((m) => m.data.code === 'RATE_LIMITED').length;
  assert.equal(pongs + limited, 100, `${pongs} pongs, ${limited} RATE_LIMITED`);
  assert.ok(limited >= 30 && pongs >= 60, `${pongs} pongs, ${limited} RATE_LIMITED (burst 60)`);
  c.drain();
  await settle(1000);
  await c.ping();
  assert.ok(c.isOpen);
});

test('HTTP API: 401, 403, 400 naming the field, 404, 405', async () => {
  const adm = adminToken(server);
  const user = server.token('h-user', 'Hugo');
  const good = { title: 'T', questions: [{ id: 'a', text: 'A?', answer: 'a', points: 1, timeLimit: 5 }] };
  // 401: no token, a bad one, an expired one.
  for (const [what, tok] of [['none', undefined], ['garbage', 'nope'], ['another secret', token('a', 'A', { secret: 'x', role: 'admin' })],
    ['expired admin', server.token('a', 'A', { role: 'admin', expiresIn: -100 })]]) {
    for (const [method, path, body] of [['GET', `/api/contests/${cid}`], ['GET', `/api/contests/${cid}/leaderboard`],
      ['POST', '/api/contests', good], ['POST', `/api/contests/${cid}/pause`]]) {
      const r = await api(server, method, path, { token: tok, body });
      assert.equal(r.status, 401, `${what}: ${method} ${path}: ${r.status} ${brief(r.body)}`);
      assert.equal(r.body.code, 'UNAUTHORIZED');
      assert.equal(typeof r.body.message, 'string');
    }
  }
  // 403: a participant writing.
  for (const path of ['/api/contests', `/api/contests/${cid}/start`, `/api/contests/${cid}/pause`, `/api/contests/${cid}/resume`]) {
    const r = await api(server, 'POST', path, { token: user, body: good });
    assert.equal(r.status, 403, `POST ${path} by a participant: ${r.status}`);
    assert.equal(r.body.code, 'FORBIDDEN');
  }
  // 400 INVALID_FIELD, naming the first bad field.
  const qd = (over) => ({ id: 'a', text: 'A?', answer: 'a', points: 1, timeLimit: 5, ...over });
  const bad = [
    [{ questions: good.questions }, 'title'],
    [{ title: '', questions: good.questions }, 'title'],
    [{ title: 5, questions: good.questions }, 'title'],
    [{ title: 't'.repeat(201), questions: good.questions }, 'title'],
    [{ title: '', questions: [] }, 'title'],
    [{ title: 'T' }, 'questions'],
    [{ title: 'T', questions: [] }, 'questions'],
    [{ title: 'T', questions: {} }, 'questions'],
    [{ title: 'T', questions: [7] }, 'questions[0]'],
    [{ title: 'T', questions: [qd({ id: '' })] }, 'questions[0].id'],
    [{ title: 'T', questions: [qd({}), qd({})] }, 'questions[1].id'],
    [{ title: 'T', questions: [qd({ text: '' })] }, 'questions[0].text'],
    [{ title: 'T', questions: [qd({ options: ['only'] })] }, 'questions[0].options'],
    [{ title: 'T', questions: [qd({ options: 'a,b' })] }, 'questions[0].options'],
    [{ title: 'T', questions: [qd({ options: ['a', ''] })] }, 'questions[0].options[1]'],
    [{ title: 'T', questions: [qd({ answer: '   ' })] }, 'questions[0].answer'],
    [{ title: 'T', questions: [qd({ answer: undefined })] }, 'questions[0].answer'],
    [{ title: 'T', questions: [qd({ points: 1.5 })] }, 'questions[0].points'],
    [{ title: 'T', questions: [qd({ points: -1 })] }, 'questions[0].points'],
    [{ title: 'T', questions: [qd({ points: '10' })] }, 'questions[0].points'],
    [{ title: 'T', questions: [qd({ timeLimit: 0 })] }, 'questions[0].timeLimit'],
    [{ title: 'T', questions: [qd({ timeLimit: 86401 })] }, 'questions[0].timeLimit'],
    [{ title: 'T', questions: [qd({}), qd({ id: 'b', timeLimit: null })] }, 'questions[1].timeLimit'],
    [{ ...good, startTime: 'tomorrow' }, 'startTime'],
    [{ ...good, startTime: '2030-01-01T10:00:00' }, 'startTime'],
    [{ ...good, scoring: 'random' }, 'scoring'],
    [{ ...good, freezeBeforeEnd: 6 }, 'freezeBeforeEnd'],
    [{ ...good, freezeBeforeEnd: -1 }, 'freezeBeforeEnd'],
  ];
  for (const [body, field] of bad) {
    const r = await api(server, 'POST', '/api/contests', { token: adm, body });
    assert.equal(r.status, 400, `${brief(body)}: ${r.status} ${brief(r.body)}`);
    assert.deepEqual(Object.keys(r.body), ['code', 'message', 'field'], brief(r.body));
    assert.equal(r.body.code, 'INVALID_FIELD', brief(r.body));
    assert.equal(r.body.field, field, `${brief(body, 200)} → ${brief(r.body)}`);
    assert.ok(r.body.message.length > 0);
  }
  for (const raw of ['{not json', '[1,2]', '"x"', '']) {
    const r = await api(server, 'POST', '/api/contests', { token: adm, rawBody: raw });
    assert.equal(r.status, 400, `body ${brief(raw)}: ${r.status}`);
    assert.equal(r.body.code, 'INVALID_BODY', `body ${brief(raw)}: ${brief(r.body)}`);
  }
  // Accepted: an integral float, unknown fields, a number as the answer.
  const fine = await api(server, 'POST', '/api/contests', {
    token: adm, body: { title: 'T', color: 'red', questions: [qd({ timeLimit: 10.0, answer: 42, extra: true })], freezeBeforeEnd: 5 },
  });
  assert.equal(fine.status, 201, brief(fine.body));
  // 404.
  for (const [method, path] of [['GET', '/api/contests/nope'], ['GET', '/api/contests/nope/leaderboard'],
    ['POST', '/api/contests/nope/start'], ['POST', '/api/contests/nope/pause'], ['POST', '/api/contests/nope/resume']]) {
    const r = await api(server, method, path, { token: adm });
    assert.equal(r.status, 404, `${method} ${path}: ${r.status}`);
    assert.equal(r.body.code, 'CONTEST_NOT_FOUND');
  }
  // 405: a known resource, the wrong method.
  for (const [method, path] of [['DELETE', `/api/contests/${cid}`], ['PUT', '/api/contests'], ['GET', `/api/contests/${cid}/start`],
    ['POST', `/api/contests/${cid}`], ['POST', `/api/contests/${cid}/leaderboard`]]) {
    const r = await api(server, method, path, { token: adm });
    assert.equal(r.status, 405, `${method} ${path}: ${r.status} ${brief(r.body)}`);
  }
});

test('the bystander was served throughout: a timer_update every second, nothing else amiss', async () => {
  await bystander.ping();
  const at = now();
  const ticks = bystander.frames('timer_update').filter((e) => e.msg.data.questionId === 'open');
  assert.ok(ticks.length >= Math.floor((at - bystanderSince) / 1000) - 1,
    `${ticks.length} timer_updates in ${at - bystanderSince} ms`);
  ticks.forEach((e, i) => {
    if (i > 0) {
      assert.equal(e.msg.data.remaining, ticks[i - 1].msg.data.remaining - 1, 'one per second, none skipped');
      assert.ok(e.at - ticks[i - 1].at <= 1400, `a gap of ${e.at - ticks[i - 1].at} ms between timer_updates`);
    }
  });
  assert.ok(at - ticks.at(-1).at <= 1400, 'the last timer_update is recent');
  checkAllFrames(bystander);
  assert.deepEqual(bystander.all('error'), []);
});
