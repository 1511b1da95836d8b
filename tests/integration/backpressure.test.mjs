// A client that does not read its events is disconnected; nobody waits for
// it. A client that floods gets RATE_LIMITED and stays connected.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startServer, uid, q, createRoom, admit, startRoom, settle,
} from './lib/harness.mjs';
import { now } from './lib/clock.mjs';

const servers = [];
after(async () => {
  for (const s of servers) await s.stopAndCheck();
});

describe('a host that stops reading', () => {
  // 64 KiB of queued events per connection.
  const SEND_QUEUE = 65536;
  // Each USER_SUBMITTED is ~50 KB, under the queue limit on its own, so a
  // host that reads is not affected. 300 of them are 15 MB: well beyond what
  // the kernel buffers of a loopback connection absorb (a few MB here), so the
  // server's own queue for a host that does not read has to overflow.
  const CODE_CHARS = 50_000;
  const SUBMISSIONS = 300;
  const WARM_UP = 3;

  // Random, incompressible code, different every time.
  const code = (i) => `// ${i}\n${randomBytes(CODE_CHARS * 0.75).toString('base64')}`;

  test('is disconnected; the submitter gets every ack and a bystander is unaffected', async () => {
    const server = await startServer({
      args: ['--send-queue-bytes', String(SEND_QUEUE),
        // 300 submissions in a burst must not be rate limited here.
        '--rate-limit', '100000', '--rate-burst', '100000'],
    });
    servers.push(server);
    const { host, hostId, hostName, roomId } = await createRoom(server, { maxGuests: 10 });
    const writerId = uid('writer');
    const bystanderId = uid('bystander');
    const writer = await admit(server, host, roomId, writerId, 'Wanda Writer');
    const bystander = await admit(server, host, roomId, bystanderId, 'Bob Bystander');
    await startRoom(host, roomId);
    await writer.next('ROOM_STARTED');
    await bystander.next('ROOM_STARTED');

    // While the host reads, 50 KB events reach it: the limit is about
    // falling behind, not about event size.
    for (let i = 0; i < WARM_UP; i += 1) {
      const c = code(`warm-up ${i}`);
      writer.send({ type: 'SUBMIT_CODE', roomId, code: c, language: 'javascript' });
      await writer.next('SUBMISSION_RECEIVED');
      const m = await host.next('USER_SUBMITTED');
      assert.equal(m.data.code, c);
    }
    assert.ok(host.isOpen, 'a host that reads keeps its connection');

    // Now the host's client stops reading from its socket.
    host.ws._socket.pause();
    for (let i = 0; i < SUBMISSIONS; i += 1) {
      writer.send({ type: 'SUBMIT_CODE', roomId, code: code(i), language: 'javascript' });
    }
    // Every submission is acknowledged although the host reads nothing: the
    // room never waits for a slow connection. (Generous timeout: 15 MB go
    // through SQLite; the point is that it finishes, not how fast.)
    for (let i = 0; i < SUBMISSIONS; i += 1) {
      await writer.next('SUBMISSION_RECEIVED', { timeout: 30_000 });
    }
    assert.deepEqual(writer.all('ERROR'), [], 'the writer got no errors');

    // The bystander is served, and the room saw the host go.
    await bystander.ping();
    let status;
    const deadline = now() + 15_000;
    for (;;) {
      status = await bystander.status(roomId);
      if (status.hostConnected === false || now() > deadline) break;
      await settle(200);
    }
    assert.equal(status.hostConnected, false,
      'the server dropped the host that did not read (hostConnected is still true after 15 s)');

    const rows = await server.sql(
      `select count(*) as n from submissions where roomId = ${q(roomId)} and userId = ${q(writerId)}`);
    assert.equal(rows[0].n, WARM_UP + SUBMISSIONS, 'every acknowledged submission is stored');

    // The host reads again: it finds its connection closed by the server,
    // with 1008 if the close frame got through, else an abrupt close; either
    // way it did not get all the events.
    host.ws._socket.resume();
    const { code: closeCode } = await host.waitClosed({ timeout: 15_000 });
    assert.ok(closeCode === 1008 || closeCode === 1006,
      `host closed with ${closeCode}, expected 1008 (or 1006)`);
    const delivered = host.all('USER_SUBMITTED').length - WARM_UP;
    assert.ok(delivered < SUBMISSIONS,
      `the slow host received all ${delivered} events: its queue was not bounded`);

    // The host comes back on a new connection and finds its room intact.
    const back = await server.connect({ label: 'host back' });
    back.send({ type: 'JOIN_ROOM', token: server.token(hostId, hostName), roomId });
    const approved = await back.next('JOIN_APPROVED');
    assert.equal(approved.data.role, 'host');
    const view = await back.status(roomId);
    const w = view.participants.find((p) => p.userId === writerId);
    assert.equal(w?.hasSubmitted, true);
    for (const c of [writer, bystander, back]) c.close();
  });
});

describe('rate limiting (--rate-limit 5 --rate-burst 5)', () => {
  test('a burst of 50 heartbeats: the excess gets RATE_LIMITED, the connection stays open', async () => {
    const server = await startServer({ args: ['--rate-limit', '5', '--rate-burst', '5'] });
    servers.push(server);
    const c = await server.connect({ label: 'flooder' });
    const other = await server.connect({ label: 'neighbour' });
    const burst = 50;
    for (let i = 0; i < burst; i += 1) c.send({ type: 'HEARTBEAT' });
    // One answer per message: an ack or a RATE_LIMITED error.
    const answers = [];
    for (let i = 0; i < burst; i += 1) {
      answers.push(await c.next(['HEARTBEAT_ACK', 'ERROR']));
    }
    const acks = answers.filter((m) => m.type === 'HEARTBEAT_ACK').length;
    const limited = answers.filter((m) => m.type === 'ERROR');
    assert.ok(limited.every((m) => m.code === 'RATE_LIMITED'),
      `unexpected errors: ${JSON.stringify(limited.filter((m) => m.code !== 'RATE_LIMITED'))}`);
    assert.ok(acks >= 1, 'the burst allowance is served');
    // A burst of 5 plus 5 per second of refill: sent within well under a
    // second, far fewer than 50 get through.
    assert.ok(acks <= 15, `${acks} of ${burst} heartbeats were served; expected about 5`);
    assert.ok(limited.length >= burst - 15);
    assert.ok(limited.every((m) => m.requestType === 'HEARTBEAT' || m.requestType === undefined),
      'RATE_LIMITED names the dropped message type');

    // The limit is per connection: a neighbour is served meanwhile.
    await other.ping();

    // Once the bucket refills the flooder is served again, on the same connection.
    let served = false;
    const deadline = now() + 5000;
    while (!served && now() < deadline) {
      await settle(250);
      c.send({ type: 'HEARTBEAT' });
      const m = await c.next(['HEARTBEAT_ACK', 'ERROR']);
      served = m.type === 'HEARTBEAT_ACK';
    }
    assert.ok(served, 'after a pause the flooder gets HEARTBEAT_ACK again');
    assert.ok(c.isOpen, 'the flooder is still connected');
    c.close(); other.close();
  });
});

describe('overload (--max-queued-frames 20)', () => {
  test('live-only messages are refused with OVERLOADED while the backlog is high; durable ones go on', async () => {
    const server = await startServer({
      args: ['--max-queued-frames', '20', '--rate-limit', '100000', '--rate-burst', '100000'],
    });
    servers.push(server);
    const { host, roomId } = await createRoom(server, { maxGuests: 10 });
    const reader = await admit(server, host, roomId, uid('reader'), 'Rita Reader');
    const stalled = await admit(server, host, roomId, uid('stalled'), 'Stan Stalled');
    await startRoom(host, roomId);
    await reader.next('ROOM_STARTED');
    await stalled.next('ROOM_STARTED');

    // One participant stops reading: once the kernel's buffers are full,
    // frames for it wait in the server's queue, which is the backlog.
    stalled.ws._socket.pause();
    const big = randomBytes(3000).toString('base64'); // 4,000 characters
    let overloaded = null;
    let sent = 0;
    for (; sent < 2000 && !overloaded; sent += 1) {
      host.send({ type: 'ANNOUNCE', roomId, message: `${sent} ${big}`.slice(0, 4096) });
      const m = await host.next(['ANNOUNCEMENT', 'ERROR'], { timeout: 10_000 });
      if (m.type === 'ERROR') overloaded = m;
    }
    assert.ok(overloaded, `${sent} announcements of 4 KB never made the server report OVERLOADED`);
    assert.equal(overloaded.code, 'OVERLOADED');
    assert.equal(overloaded.requestType, 'ANNOUNCE');
    const stats = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    assert.ok(stats.queuedFrames > 20, `queuedFrames ${stats.queuedFrames}`);

    // Live code is shed too; a submission (durable, acknowledged) is not.
    reader.send({ type: 'CODE_CHANGE', roomId, code: 'x = 1', language: 'python' });
    const codeAnswer = await reader.next('ERROR');
    assert.equal(codeAnswer.code, 'OVERLOADED');
    assert.equal(codeAnswer.requestType, 'CODE_CHANGE');
    reader.send({ type: 'SUBMIT_CODE', roomId, code: 'print(1)', language: 'python' });
    await reader.next('SUBMISSION_RECEIVED');

    // The stalled client reads again: the backlog drains and announcements
    // are accepted once more.
    stalled.ws._socket.resume();
    let accepted = false;
    const deadline = now() + 15_000;
    while (!accepted && now() < deadline) {
      await settle(200);
      host.send({ type: 'ANNOUNCE', roomId, message: 'back to normal' });
      const m = await host.next(['ANNOUNCEMENT', 'ERROR'], { timeout: 10_000 });
      accepted = m.type === 'ANNOUNCEMENT';
    }
    assert.ok(accepted, 'announcements are accepted again once the backlog drained');
    const after = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    assert.ok(after.queuedFrames <= 20, `queuedFrames ${after.queuedFrames} after draining`);
    for (const c of [host, reader, stalled]) c.close();
  });
});
