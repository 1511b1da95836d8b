// The command-line tools and the process itself: proctorctl mints tokens the
// server accepts, proctord --help works, /health answers, /api/stats counts
// exactly, SIGTERM is graceful.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  startServer, proctordBin, proctorctlBin, token, decodeToken, verifyHs256, badTokens,
  randomSecret, uid, q, expectShape, is, settle,
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

  test('GET /api/stats counts the text frames in and out, and their bytes, exactly', async () => {
    // A server of its own: the counters are global, and nobody else may talk.
    // No presence grace: the host sees the participant leave at once.
    const own = await startServer({ args: ['--presence-grace', '0'] });
    const stats = async () => {
      const res = await fetch(`${own.httpUrl}/api/stats`);
      assert.equal(res.status, 200);
      return res.json();
    };
    try {
      const zero = await stats();
      expectShape(zero, {
        connections: 0, connectionsTotal: 0, connectionsRefused: 0, slowConsumersClosed: 0,
        messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0,
      }, '/api/stats at start');
      // HTTP requests are no WebSocket frames.
      assert.deepEqual(await stats(), zero, 'GET /api/stats and /health change nothing');

      // Every frame the clients send and receive, counted on their side.
      const sent = { frames: 0, bytes: 0 };
      const got = { frames: 0, bytes: 0 };
      const track = (c) => {
        c.ws.on('message', (data, isBinary) => {
          assert.equal(isBinary, false);
          got.frames += 1;
          got.bytes += data.length;
        });
        const sendRaw = c.sendRaw.bind(c);
        c.sendRaw = (text) => {
          sent.frames += 1;
          sent.bytes += Buffer.byteLength(text, 'utf8');
          sendRaw(text);
        };
        c.send = (obj) => c.sendRaw(JSON.stringify(obj));
        return c;
      };
      const hostId = uid('host');
      const pId = uid('cand');
      const host = track(await own.connect({ label: 'stats host' }));
      const p = track(await own.connect({ label: 'stats participant' }));
      const idle = track(await own.connect({ label: 'stats idle' }));
      host.send({ type: 'CREATE_ROOM', token: own.token(hostId, 'Höst'), roomname: 'stats' });
      const { roomId } = (await host.next('ROOM_CREATED')).data;
      p.send({ type: 'JOIN_ROOM', token: own.token(pId, 'Pärticipant'), roomId });
      await p.next('WAITING_APPROVAL');
      await host.next('JOIN_REQUEST');
      host.send({ type: 'APPROVE_JOIN', roomId, userId: pId, approve: true });
      await p.next('JOIN_APPROVED');
      await host.next('USER_JOINED');
      await p.next('USER_JOINED');
      host.send({ type: 'ANNOUNCE', roomId, message: 'Grüße — 10 minutes left ⏰' });
      await host.next('ANNOUNCEMENT');
      await p.next('ANNOUNCEMENT');
      p.sendRaw('not json');
      await p.expectError('INVALID_JSON');
      await idle.ping();
      // Control frames are not counted: a ping from the client, and its pong.
      await new Promise((resolve) => { idle.ws.once('pong', resolve); idle.ws.ping(); });

      // Quiet: nothing more arrives.
      let seen;
      do {
        seen = got.frames;
        await settle(300);
      } while (got.frames !== seen);
      assert.equal(sent.frames, 6, 'CREATE_ROOM, APPROVE_JOIN, ANNOUNCE, JOIN_ROOM, not json, HEARTBEAT');
      const check = async (when) => {
        const now = await stats();
        assert.deepEqual({
          messagesIn: now.messagesIn - zero.messagesIn,
          messagesOut: now.messagesOut - zero.messagesOut,
          bytesIn: now.bytesIn - zero.bytesIn,
          bytesOut: now.bytesOut - zero.bytesOut,
        }, {
          messagesIn: sent.frames, messagesOut: got.frames, bytesIn: sent.bytes, bytesOut: got.bytes,
        }, `/api/stats ${when} ${JSON.stringify(now)} against what the clients counted`);
        return now;
      };
      expectShape(await check('when quiet'), { connections: 3, connectionsTotal: 3 }, '/api/stats');

      // Close frames are not counted either. One client at a time, so that
      // every event goes to a client that is still open (the host sees the
      // participant leave).
      await idle.close();
      await p.close();
      await host.next('USER_LEFT');
      await host.close();
      await settle(300);
      await check('after the clients closed');
    } finally {
      await own.stopAndCheck();
    }
  });

  test('proctord --help exits 0 and lists the options the tests rely on', async () => {
    const { stdout, stderr } = await execFileP(proctordBin(), ['--help'], { timeout: 10_000 });
    const text = `${stdout}${stderr}`;
    for (const opt of ['--port', '--bind', '--db', '--jwt-secret', '--send-queue-bytes',
      '--max-frame-bytes', '--max-json-depth', '--rate-limit', '--rate-burst',
      '--code-change-interval-ms', '--presence-grace']) {
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
