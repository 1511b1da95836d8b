// --max-room-size (MAX_ROOM_SIZE) is the largest maxGuests a CREATE_ROOM may
// ask for: above it the request is an INVALID_FIELD, as above 1000 is by
// default, and a CREATE_ROOM without maxGuests gets the smaller of 10 and it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, uid } from './lib/harness.mjs';

function createRoomFrame(server, maxGuests) {
  const frame = { type: 'CREATE_ROOM', token: server.token(uid('host'), 'Alice Host'), roomname: 'r' };
  if (maxGuests !== undefined) frame.maxGuests = maxGuests;
  return frame;
}

/// CREATE_ROOM on a fresh connection; the answer (ROOM_CREATED or ERROR).
async function tryCreate(server, maxGuests) {
  const c = await server.connect({ label: `maxGuests ${maxGuests}` });
  c.send(createRoomFrame(server, maxGuests));
  const m = await c.next(['ROOM_CREATED', 'ERROR']);
  const status = m.type === 'ROOM_CREATED' ? await c.status(m.data.roomId) : null;
  c.close();
  return { m, status };
}

test('--max-room-size 3: maxGuests 4 is INVALID_FIELD, 3 is a room', async () => {
  const server = await startServer({ args: ['--max-room-size', '3'] });
  try {
    const over = await tryCreate(server, 4);
    assert.equal(over.m.type, 'ERROR', JSON.stringify(over.m));
    assert.equal(over.m.code, 'INVALID_FIELD');
    assert.equal(over.m.requestType, 'CREATE_ROOM');
    assert.match(over.m.message, /maxGuests.*1 to 3/);
    const at = await tryCreate(server, 3);
    assert.equal(at.m.type, 'ROOM_CREATED', JSON.stringify(at.m));
    assert.equal(at.status.maxGuests, 3);
    // The default of 10 does not exceed the configured size.
    const dflt = await tryCreate(server, undefined);
    assert.equal(dflt.m.type, 'ROOM_CREATED', JSON.stringify(dflt.m));
    assert.equal(dflt.status.maxGuests, 3);
  } finally {
    await server.stopAndCheck();
  }
});

test('MAX_ROOM_SIZE from the environment raises the limit past 1000', async () => {
  const server = await startServer({ env: { MAX_ROOM_SIZE: '5000' } });
  try {
    const big = await tryCreate(server, 5000);
    assert.equal(big.m.type, 'ROOM_CREATED', JSON.stringify(big.m));
    assert.equal(big.status.maxGuests, 5000);
    const over = await tryCreate(server, 5001);
    assert.equal(over.m.code, 'INVALID_FIELD', JSON.stringify(over.m));
  } finally {
    await server.stopAndCheck();
  }
});
