// The command-line tools and the process itself: proctorctl mints tokens the
// server accepts, proctord --help works, /health answers, SIGTERM is graceful.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  startServer, proctordBin, proctorctlBin, token, decodeToken, verifyHs256, badTokens,
  randomSecret, uid, q, expectShape, is,
} from './lib/harness.mjs';

const execFileP = promisify(execFile);

async function proctorctlToken(args) {
  const { stdout } = await execFileP(proctorctlBin(), ['token', ...args], { timeout: 10_000 });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, `proctorctl token prints one line, got: ${stdout}`);
  return lines[0].trim();
}

describe('the harness mints tokens correctly (no server needed)', () => {
  test('token() is a valid HS256 JWT; the bad ones are not', () => {
    const secret = randomSecret();
    const jwt = token('user123', 'John Doe', { secret, role: 'candidate' });
    const { header, payload } = decodeToken(jwt);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    expectShape(payload, { sub: 'user123', name: 'John Doe', role: 'candidate', exp: is.number, iat: is.number });
    assert.ok(payload.exp > Date.now() / 1000);
    assert.ok(verifyHs256(jwt, secret));
    assert.ok(!verifyHs256(jwt, `${secret}x`));
    for (const [label, bad] of Object.entries(badTokens(secret, 'user123'))) {
      if (label === 'expired') {
        assert.ok(decodeToken(bad).payload.exp < Date.now() / 1000, 'expired is in the past');
        continue; // correctly signed, just expired
      }
      assert.ok(!verifyHs256(bad, secret), `${label} must not verify`);
    }
  });
});

describe('proctorctl and proctord', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stopAndCheck(); });

  test('GET /health answers 200 {"status":"ok"}', async () => {
    const h = await server.health();
    assert.equal(h.status, 200);
    assert.deepEqual(JSON.parse(h.body), { status: 'ok' });
  });

  test('a proctorctl token is an HS256 JWT for the given user, and the server accepts it', async () => {
    const sub = uid('user123');
    const jwt = await proctorctlToken(['--sub', sub, '--name', 'John Doe', '--secret', server.secret]);
    const { header, payload } = decodeToken(jwt);
    assert.equal(header.alg, 'HS256');
    expectShape(payload, { sub, name: 'John Doe', exp: is.number }, 'proctorctl payload');
    assert.ok(payload.exp > Date.now() / 1000, 'not already expired');
    assert.ok(verifyHs256(jwt, server.secret), 'signed with the given secret');

    const host = await server.connect({ label: 'ctl host' });
    host.send({ type: 'CREATE_ROOM', token: jwt, roomname: 'CLI room', maxGuests: 3 });
    const created = await host.next('ROOM_CREATED');
    const { roomId } = created.data;
    const [row] = await server.sql(`select hostId from rooms where roomId = ${q(roomId)}`);
    assert.equal(row?.hostId, sub);

    const pSub = uid('cand');
    const pJwt = await proctorctlToken(['--sub', pSub, '--name', 'Jane Roe', '--role', 'candidate',
      '--secret', server.secret]);
    assert.equal(decodeToken(pJwt).payload.role, 'candidate');
    const p = await server.connect({ label: 'ctl participant' });
    p.send({ type: 'JOIN_ROOM', token: pJwt, roomId });
    await p.next('WAITING_APPROVAL');
    const req = await host.next('JOIN_REQUEST');
    expectShape(req.data, { userId: pSub, username: 'Jane Roe' }, 'JOIN_REQUEST.data');
    host.close(); p.close();
  });

  test('a proctorctl token signed with another secret is UNAUTHORIZED', async () => {
    const jwt = await proctorctlToken(['--sub', uid('x'), '--name', 'X', '--secret', randomSecret()]);
    const c = await server.connect({ label: 'other secret' });
    c.send({ type: 'CREATE_ROOM', token: jwt, roomname: 'nope' });
    await c.expectError('UNAUTHORIZED', { requestType: 'CREATE_ROOM' });
    c.close();
  });

  test('the username comes from "name", else "username", else "sub"', async () => {
    const host = await server.connect({ label: 'host' });
    host.send({ type: 'CREATE_ROOM', token: server.token(uid('h'), 'Host'), roomname: 'names' });
    const { roomId } = (await host.next('ROOM_CREATED')).data;
    const cases = [
      [uid('n'), { claims: { username: 'Ignored' } }, 'By Name', 'By Name'],
      [uid('u'), { username: 'By Username' }, undefined, 'By Username'],
      [uid('s'), {}, undefined, null], // null: expect the sub itself
    ];
    for (const [sub, opts, name, want] of cases) {
      const c = await server.connect({ label: sub });
      c.send({ type: 'JOIN_ROOM', token: server.token(sub, name, opts), roomId });
      await c.next('WAITING_APPROVAL');
      const req = await host.next('JOIN_REQUEST', { where: (m) => m.data?.userId === sub });
      assert.equal(req.data.username, want ?? sub);
      c.close();
    }
    host.close();
  });

  test('proctord --help exits 0 and lists the options the tests rely on', async () => {
    const { stdout, stderr } = await execFileP(proctordBin(), ['--help'], { timeout: 10_000 });
    const text = `${stdout}${stderr}`;
    for (const opt of ['--port', '--bind', '--db', '--jwt-secret', '--send-queue-bytes',
      '--max-frame-bytes', '--max-json-depth', '--rate-limit', '--rate-burst',
      '--code-change-interval-ms']) {
      assert.ok(text.includes(opt), `--help mentions ${opt}`);
    }
  });

  test('SIGTERM: connected clients get close 1001, the process exits 0', async () => {
    const own = await startServer();
    const c = await own.connect({ label: 'at shutdown' });
    const host = await own.connect({ label: 'host at shutdown' });
    host.send({ type: 'CREATE_ROOM', token: own.token(uid('h'), 'Host'), roomname: 'going down' });
    await host.next('ROOM_CREATED');
    const stopping = own.stop();
    const [a, b] = await Promise.all([c.waitClosed({ timeout: 10_000 }), host.waitClosed({ timeout: 10_000 })]);
    assert.equal(a.code, 1001, 'an idle connection is closed with 1001 (going away)');
    assert.equal(b.code, 1001, 'a host in a room is closed with 1001');
    const outcome = await stopping;
    assert.deepEqual({ code: outcome.code, timedOut: outcome.timedOut ?? false }, { code: 0, timedOut: false },
      `exit status after SIGTERM: ${JSON.stringify(outcome)}`);
  });
});
