// --log-format json: every line proctord prints is one JSON object, even when
// a client chose what the message says. A token's sub is logged when its
// owner creates a room ("room X is created by SUB"); a sub with a quote and
// a newline once forged a log line of its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createRoom } from './lib/harness.mjs';

const LOG_WAIT_MS = 5000;

/// The complete lines printed so far (a last line still being written is
/// left out), each parsed; fails on the first that is not a log object.
function jsonLines(server) {
  const lines = server.log.split('\n');
  lines.pop(); // the text after the last newline: "" or a partial line
  return lines.filter((line) => line !== '').map((line) => {
    let doc;
    assert.doesNotThrow(() => { doc = JSON.parse(line); }, `not a JSON line: ${line}`);
    assert.equal(typeof doc, 'object', `not a JSON object: ${line}`);
    assert.deepEqual(Object.keys(doc).sort(), ['level', 'msg', 'time'], `fields of ${line}`);
    return doc;
  });
}

/// Resolves once a complete log line satisfies `pred`.
function waitForLine(server, pred) {
  return new Promise((resolve, reject) => {
    const stream = server.child.stdout;
    const check = () => {
      const found = jsonLines(server).find(pred);
      if (found) { done(); resolve(found); }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no such log line within ${LOG_WAIT_MS} ms:\n${server.logTail(20)}`));
    }, LOG_WAIT_MS);
    const done = () => { clearTimeout(timer); stream.off('data', check); };
    stream.on('data', check);
    check();
  });
}

test('a sub with quotes, newlines and a backslash stays inside its msg', async () => {
  const server = await startServer({ args: ['--log-format', 'json', '--log-level', 'debug'] });
  try {
    const sub = 'h"\n{"level":"error","msg":"forged"}\\\u0001';
    const { host, roomId } = await createRoom(server, { hostId: sub });
    const line = await waitForLine(server, (d) => d.msg.includes(roomId));
    assert.equal(line.msg, `room ${roomId} is created by ${sub}`);
    assert.equal(line.level, 'info');
    assert.ok(!jsonLines(server).some((d) => d.msg === 'forged'), 'no forged line');
    host.close();
  } finally {
    await server.stopAndCheck();
  }
  // Including the shutdown lines.
  const all = jsonLines(server);
  assert.ok(all.some((d) => d.msg.startsWith('proctord listening on')), server.log);
  assert.ok(all.every((d) => typeof d.time === 'string' && typeof d.msg === 'string'));
});
