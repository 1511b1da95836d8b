#!/usr/bin/env node
// Benchmark baseline: a minimal Node.js + npm `ws` server speaking proctord's
// native dialect (protocol/README.md) for the messages the benchmarks use.
//
// It is the neutral comparison point ("what teams run today"): idiomatic
// single-threaded Node, all state in memory, no database. It does the same
// work as proctord per message (JWT check at the handshake, room state,
// fan-out), and nothing on top: no artificial slowness, no extra work.
//
//   node tools/bench/baseline/ws-server.mjs --port 0 --secret S [--bind 127.0.0.1]
//   (the secret may also come from JWT_SECRET)
//
// Prints exactly one line, `listening on PORT`, then serves until SIGTERM or
// SIGINT (exit 0; open sockets are closed with 1001).
//
// HTTP:  GET /health     -> {"status":"ok"}
//        GET /api/stats  -> {connections, connectionsTotal, messagesIn,
//                            messagesOut, bytesIn, bytesOut}
//        messagesIn/bytesIn: text frames received and their payload bytes.
//        messagesOut/bytesOut: data frames handed to ws.send and their payload
//        bytes, counted at call time (no send callbacks: they cost CPU), only
//        for sockets that are OPEN at that moment.
// WS:    /ws and /, perMessageDeflate off, maxPayload 1 MiB. A JWT (HS256)
//        must come at the handshake, `?token=` or `Authorization: Bearer`;
//        a missing or bad one gets HTTP 401 (stricter than the README, which
//        lets a connection authenticate later with a message `token`). A
//        `token` in CREATE_ROOM / JOIN_ROOM is checked against the handshake
//        identity (UNAUTHORIZED / IDENTITY_MISMATCH).
//
// Implemented: HEARTBEAT, CREATE_ROOM, JOIN_ROOM, APPROVE_JOIN, START_ROOM,
// END_ROOM (and the TIME_UP timer), LEAVE_ROOM, GET_ROOM_STATUS, KICK_USER,
// ANNOUNCE (-> ANNOUNCEMENT), CODE_CHANGE, SUBMIT_CODE, FULLSCREEN_EXIT /
// TAB_BLUR / FULLSCREEN_ENTER / TAB_FOCUS, and socket close (USER_LEFT, plus
// a DISCONNECT violation in a live room).
//
// What it does NOT do (on purpose; this is a baseline, not a product):
// - no persistence: everything is lost on exit, SUBMISSION_RECEIVED is sent
//   as soon as the submission is in memory;
// - no `seq` numbers, no resume tokens, no RESUME (answered UNKNOWN_TYPE),
//   no replay after a dropped connection;
// - CODE_CHANGE is not coalesced: every one becomes a CODE_UPDATE to the host
//   (proctord sends at most one per participant per 200 ms);
// - no rate limiting, no send-queue limit (a slow reader is buffered without
//   bound instead of being closed with 1008), no idle timeout / pings, no
//   per-IP connection limit, no JSON depth limit (TOO_DEEP), no iss/aud check.
// Submissions and idempotency keys are kept in memory for the life of the
// process (only each member's latest submission's code is kept).

import http from 'node:http';
import { randomInt } from 'node:crypto';

import { jwtVerifier, loadPackage } from './common.mjs';

const { WebSocketServer, WebSocket } = loadPackage('ws');
const OPEN = WebSocket.OPEN;

// -- options ------------------------------------------------------------------

function parseArgs(argv) {
  const o = { port: 8080, bind: '127.0.0.1', secret: process.env.JWT_SECRET || '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') o.port = Number(v());
    else if (a === '--bind') o.bind = v();
    else if (a === '--secret') o.secret = v();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('bad --port');
  if (!o.secret) usage('a secret is required (--secret or JWT_SECRET)');
  return o;
}

function usage(err) {
  const text = 'usage: node ws-server.mjs [--port 8080] [--bind 127.0.0.1] --secret S (or JWT_SECRET)\n';
  if (err) {
    process.stderr.write(`ws-server: ${err}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));

// -- JWT (HS256 only) ---------------------------------------------------------

/// The identity {userId, username, role} a token names, or null.
const verifyJwt = jwtVerifier(opts.secret);

// -- stats and sending ----------------------------------------------------------

const stats = { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };

/// Sends a ready string; counted at call time (see the header).
function sendRaw(c, s, n) {
  if (c.ws.readyState !== OPEN) return;
  c.ws.send(s);
  stats.messagesOut++;
  stats.bytesOut += n;
}
const send = (c, obj) => {
  const s = JSON.stringify(obj);
  sendRaw(c, s, Buffer.byteLength(s));
};
/// To the host and the connected approved participants: stringified once.
function broadcast(room, obj) {
  const s = JSON.stringify(obj);
  const n = Buffer.byteLength(s);
  for (const c of room.audience) sendRaw(c, s, n);
}
const toHost = (room, obj) => { if (room.hostConn) send(room.hostConn, obj); };

const MESSAGES = {
  INVALID_JSON: 'the frame is not valid JSON',
  INVALID_MESSAGE: 'expected a JSON object with a string "type"',
  UNKNOWN_TYPE: 'unknown message type',
  INVALID_FIELD: 'a field is missing or invalid',
  UNAUTHORIZED: 'a valid token is required',
  IDENTITY_MISMATCH: 'the token is for another user',
  ROOM_NOT_FOUND: 'no such room',
  ROOM_ENDED: 'the room has ended',
  NOT_IN_ROOM: 'not in that room',
  ALREADY_IN_ROOM: 'already in another room',
  FORBIDDEN: 'not allowed',
  ROOM_FULL: 'the room is full',
  KICKED: 'you were removed from this room',
  INVALID_STATE: "not possible in the room's current state",
  USER_NOT_FOUND: 'no such user in the room',
  SESSION_REPLACED: 'you joined the room from another connection',
};
function error(c, code, requestType, message) {
  const e = { type: 'ERROR', code, message: message || MESSAGES[code] };
  if (requestType) e.requestType = requestType;
  send(c, e);
}

// -- rooms ----------------------------------------------------------------------
//
// room:   {id, roomname, maxGuests, question, duration, isPublic, status,
//          hostId, hostName, hostConn, createdAt, startedAt, endsAt, timer,
//          members: Map userId -> member, approved: count,
//          audience: Set of conns (host + connected approved participants),
//          kicked: Set of userIds, idem: Map key -> submissionTime | true}
// member: {userId, username, status: 'PENDING'|'APPROVED', conn,
//          violations, submissions, lastCode, lastLanguage, lastSubmissionTime}
// conn:   {ws, id, userId, username, role, room, member (null for the host)}

const rooms = new Map();
const conns = new Set();
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newRoomId() {
  for (;;) {
    let id = '';
    for (let i = 0; i < 6; i++) id += ALNUM[randomInt(62)];
    if (!rooms.has(id)) return id;
  }
}

const isHost = (c) => c.room !== null && c.room.hostConn === c;
const isApproved = (c) => c.member !== null && c.member.status === 'APPROVED' && c.member.conn === c;
const isInt = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
const isStr = (v, lo, hi) => typeof v === 'string' && v.length >= lo && v.length <= hi;

/// The room a room command is about, or null after answering an error.
function roomOf(c, m) {
  const id = m.roomId;
  if (id !== undefined && typeof id !== 'string') {
    error(c, 'INVALID_FIELD', m.type, 'roomId must be a string');
    return null;
  }
  const room = c.room;
  if (room === null || (id !== undefined && id !== room.id)) {
    const other = id !== undefined ? rooms.get(id) : undefined;
    if (id !== undefined && !other) error(c, 'ROOM_NOT_FOUND', m.type);
    else if (other && other.status === 'ENDED') error(c, 'ROOM_ENDED', m.type);
    else error(c, 'NOT_IN_ROOM', m.type);
    return null;
  }
  if (room.status === 'ENDED') {
    error(c, 'ROOM_ENDED', m.type);
    return null;
  }
  return room;
}

/// Checks a message `token` (CREATE_ROOM / JOIN_ROOM) against the handshake identity.
function tokenOk(c, m) {
  if (m.token === undefined) return true;
  const id = verifyJwt(m.token);
  if (!id) error(c, 'UNAUTHORIZED', m.type);
  else if (id.userId !== c.userId) error(c, 'IDENTITY_MISMATCH', m.type);
  else return true;
  return false;
}

function joinApproved(room, role) {
  return {
    type: 'JOIN_APPROVED',
    data: {
      roomId: room.id, roomname: room.roomname, question: room.question, duration: room.duration,
      hostName: room.hostName, role, status: room.status, startedAt: room.startedAt, endsAt: room.endsAt,
    },
  };
}
const userJoined = (room, c) => ({
  type: 'USER_JOINED', data: { userId: c.userId, username: c.username, connectedCount: room.audience.size },
});

/// Takes a connection out of its room (LEAVE_ROOM, close, replaced).
function detach(c, reason) {
  const room = c.room;
  if (room === null) return;
  c.room = null;
  const m = c.member;
  c.member = null;
  if (room.status === 'ENDED') return;
  if (room.hostConn === c) {
    room.hostConn = null;
    room.audience.delete(c);
  } else if (m && m.conn === c) {
    m.conn = null;
    if (m.status !== 'APPROVED') return;
    room.audience.delete(c);
    if (reason === 'DISCONNECTED' && room.status === 'LIVE') violation(room, m, 'DISCONNECT', null);
  } else {
    return;
  }
  broadcast(room, {
    type: 'USER_LEFT',
    data: { userId: c.userId, username: c.username, reason, connectedCount: room.audience.size },
  });
}

/// A second connection of the same user takes the seat.
function replace(old, requestType) {
  if (old === null) return;
  error(old, 'SESSION_REPLACED', requestType);
  old.room.audience.delete(old);
  old.room = null;
  old.member = null;
}

function endRoom(room, reason) {
  if (room.status === 'ENDED') return;
  room.status = 'ENDED';
  clearTimeout(room.timer);
  const s = JSON.stringify({
    type: 'ROOM_ENDED',
    message: reason === 'TIME_UP' ? 'The room has ended: time is up' : 'The room has been ended by the host',
    roomId: room.id, reason, endedAt: Date.now(),
  });
  const n = Buffer.byteLength(s);
  if (room.hostConn) sendRaw(room.hostConn, s, n);
  for (const m of room.members.values()) if (m.conn) sendRaw(m.conn, s, n);
  room.audience.clear();
}

const VIOLATION_TEXT = {
  FULLSCREEN_EXIT: ' exited fullscreen mode', TAB_SWITCH: ' switched to another tab', DISCONNECT: ' disconnected',
};
function violation(room, m, violationType, key) {
  if (key !== null) {
    const k = `v:${m.userId}:${key}`;
    if (room.idem.has(k)) return;
    room.idem.set(k, true);
  }
  toHost(room, {
    type: 'VIOLATION_DETECTED',
    data: {
      userId: m.userId, username: m.username, violationType, violationCount: ++m.violations,
      timestamp: Date.now(), message: m.username + VIOLATION_TEXT[violationType],
    },
  });
}

/// An optional idempotencyKey: undefined, or a string of 1–64 bytes; false if bad.
function idemKey(c, m) {
  const k = m.idempotencyKey;
  if (k === undefined) return null;
  if (typeof k === 'string' && k.length >= 1 && Buffer.byteLength(k) <= 64) return k;
  error(c, 'INVALID_FIELD', m.type, 'idempotencyKey must be a string of 1-64 bytes');
  return false;
}

// -- handlers -------------------------------------------------------------------

const handlers = {
  HEARTBEAT(c) {
    send(c, { type: 'HEARTBEAT_ACK', timestamp: Date.now() });
  },

  CREATE_ROOM(c, m) {
    if (!tokenOk(c, m)) return;
    if (c.room !== null && c.room.status !== 'ENDED') return error(c, 'ALREADY_IN_ROOM', m.type);
    const { roomname, maxGuests = 10, question = '', duration = 60, isPublic = false } = m;
    if (!isStr(roomname, 1, 255)) return error(c, 'INVALID_FIELD', m.type, 'roomname must be 1-255 characters');
    if (!isInt(maxGuests, 1, 1000)) return error(c, 'INVALID_FIELD', m.type, 'maxGuests must be 1-1000');
    if (typeof question !== 'string' || Buffer.byteLength(question) > 65536)
      return error(c, 'INVALID_FIELD', m.type, 'question must be a string of at most 64 KiB');
    if (!isInt(duration, 1, 1440)) return error(c, 'INVALID_FIELD', m.type, 'duration must be 1-1440 minutes');
    if (typeof isPublic !== 'boolean') return error(c, 'INVALID_FIELD', m.type, 'isPublic must be a boolean');
    const room = {
      id: newRoomId(), roomname, maxGuests, question, duration, isPublic, status: 'WAITING',
      hostId: c.userId, hostName: c.username, hostConn: c, createdAt: Date.now(), startedAt: null, endsAt: null,
      timer: null, members: new Map(), approved: 0, audience: new Set([c]), kicked: new Set(), idem: new Map(),
    };
    rooms.set(room.id, room);
    c.room = room;
    c.member = null;
    send(c, { type: 'ROOM_CREATED', data: { roomId: room.id, roomname, message: 'Room created successfully' } });
  },

  JOIN_ROOM(c, m) {
    if (!tokenOk(c, m)) return;
    if (typeof m.roomId !== 'string' || m.roomId.length === 0)
      return error(c, 'INVALID_FIELD', m.type, 'roomId must be a string');
    const room = rooms.get(m.roomId);
    if (!room) return error(c, 'ROOM_NOT_FOUND', m.type);
    if (room.status === 'ENDED') return error(c, 'ROOM_ENDED', m.type);
    if (c.room !== null && c.room !== room && c.room.status !== 'ENDED') return error(c, 'ALREADY_IN_ROOM', m.type);
    if (room.kicked.has(c.userId)) return error(c, 'KICKED', m.type);

    if (c.userId === room.hostId) { // the host re-binds
      if (room.hostConn !== c) {
        if (room.hostConn) replace(room.hostConn, m.type);
        room.hostConn = c;
        room.audience.add(c);
        c.room = room;
        c.member = null;
      }
      return send(c, joinApproved(room, 'host'));
    }

    let mem = room.members.get(c.userId);
    if (mem) { // seen before: seat back (approved) or still waiting (pending)
      if (mem.conn !== c) {
        replace(mem.conn, m.type);
        mem.conn = c;
        c.room = room;
        c.member = mem;
        if (mem.status === 'APPROVED') {
          room.audience.add(c);
          send(c, joinApproved(room, 'participant'));
          broadcast(room, userJoined(room, c));
          return;
        }
      } else if (mem.status === 'APPROVED') {
        return send(c, joinApproved(room, 'participant'));
      }
      return send(c, { type: 'WAITING_APPROVAL', message: 'Waiting for host approval to join the room', roomId: room.id });
    }

    if (room.approved >= room.maxGuests) return error(c, 'ROOM_FULL', m.type);
    mem = {
      userId: c.userId, username: c.username, status: 'PENDING', conn: c, violations: 0,
      submissions: 0, lastCode: null, lastLanguage: null, lastSubmissionTime: null,
    };
    room.members.set(c.userId, mem);
    c.room = room;
    c.member = mem;
    if (room.isPublic) return admit(room, mem);
    send(c, { type: 'WAITING_APPROVAL', message: 'Waiting for host approval to join the room', roomId: room.id });
    toHost(room, {
      type: 'JOIN_REQUEST',
      data: { userId: c.userId, username: c.username, socketId: String(c.id), timestamp: Date.now() },
    });
  },

  APPROVE_JOIN(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isHost(c)) return error(c, 'FORBIDDEN', m.type, 'only the host can approve join requests');
    if (!isStr(m.userId, 1, 64)) return error(c, 'INVALID_FIELD', m.type, 'userId must be a string');
    if (typeof m.approve !== 'boolean') return error(c, 'INVALID_FIELD', m.type, 'approve must be a boolean');
    const mem = room.members.get(m.userId);
    if (!mem || mem.status !== 'PENDING') return error(c, 'USER_NOT_FOUND', m.type);
    if (!m.approve) {
      room.members.delete(mem.userId);
      if (mem.conn) {
        const u = mem.conn;
        u.room = null;
        u.member = null;
        mem.conn = null;
        send(u, { type: 'JOIN_REJECTED', message: 'The host declined your request to join the room', roomId: room.id });
      }
      return;
    }
    if (room.approved >= room.maxGuests) return error(c, 'ROOM_FULL', m.type);
    admit(room, mem);
  },

  START_ROOM(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isHost(c)) return error(c, 'FORBIDDEN', m.type, 'only the host can start the room');
    if (room.status !== 'WAITING') return error(c, 'INVALID_STATE', m.type);
    const now = Date.now();
    const ms = room.duration * 60000;
    room.status = 'LIVE';
    room.startedAt = now;
    room.endsAt = now + ms;
    room.timer = setTimeout(endRoom, ms, room, 'TIME_UP');
    broadcast(room, {
      type: 'ROOM_STARTED',
      data: { roomId: room.id, startedAt: now, endsAt: room.endsAt, duration: room.duration, serverTime: now },
    });
  },

  END_ROOM(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isHost(c)) return error(c, 'FORBIDDEN', m.type, 'only the host can end the room');
    endRoom(room, 'HOST');
  },

  LEAVE_ROOM(c, m) {
    if (roomOf(c, m)) detach(c, 'LEFT');
  },

  GET_ROOM_STATUS(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    const host = isHost(c);
    const mine = c.member;
    const participants = [];
    for (const p of room.members.values()) {
      if (!host && p !== mine) continue;
      participants.push({
        userId: p.userId, username: p.username, status: p.status, connected: p.conn !== null,
        violationCount: p.violations, hasSubmitted: p.submissions > 0,
      });
    }
    const approved = host || (mine !== null && mine.status === 'APPROVED');
    send(c, {
      type: 'ROOM_STATUS',
      data: {
        roomId: room.id, roomname: room.roomname, status: room.status, hostId: room.hostId,
        hostName: room.hostName, hostConnected: room.hostConn !== null, question: approved ? room.question : '',
        duration: room.duration, maxGuests: room.maxGuests, isPublic: room.isPublic, createdAt: room.createdAt,
        startedAt: room.startedAt, endsAt: room.endsAt, serverTime: Date.now(),
        connectedCount: room.audience.size, yourRole: host ? 'host' : 'participant',
        yourStatus: host ? 'APPROVED' : mine.status, participants,
      },
    });
  },

  KICK_USER(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isHost(c)) return error(c, 'FORBIDDEN', m.type, 'only the host can remove participants');
    if (!isStr(m.userId, 1, 64)) return error(c, 'INVALID_FIELD', m.type, 'userId must be a string');
    const reason = m.reason === undefined ? '' : m.reason;
    if (!isStr(reason, 0, 500)) return error(c, 'INVALID_FIELD', m.type, 'reason must be at most 500 characters');
    const mem = room.members.get(m.userId);
    if (!mem) return error(c, 'USER_NOT_FOUND', m.type);
    room.members.delete(mem.userId);
    room.kicked.add(mem.userId);
    if (mem.status === 'APPROVED') room.approved--;
    const u = mem.conn;
    if (u) {
      room.audience.delete(u);
      u.room = null;
      u.member = null;
      mem.conn = null;
      send(u, {
        type: 'KICKED',
        message: reason ? `You have been removed from the room. Reason: ${reason}` : 'You have been removed from the room.',
        roomId: room.id, reason,
      });
      u.ws.close(4003, 'kicked');
    }
    broadcast(room, { type: 'USER_KICKED', data: { userId: mem.userId, username: mem.username, reason } });
  },

  ANNOUNCE(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isHost(c)) return error(c, 'FORBIDDEN', m.type, 'only the host can announce');
    if (!isStr(m.message, 1, 4096)) return error(c, 'INVALID_FIELD', m.type, 'message must be 1-4096 characters');
    broadcast(room, {
      type: 'ANNOUNCEMENT',
      data: { roomId: room.id, message: m.message, from: room.hostName, timestamp: Date.now() },
    });
  },

  // Not coalesced: every CODE_CHANGE becomes one CODE_UPDATE to the host
  // (proctord coalesces per participant, 200 ms). Nothing is stored.
  CODE_CHANGE(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isApproved(c)) return error(c, 'FORBIDDEN', m.type);
    if (typeof m.code !== 'string') return error(c, 'INVALID_FIELD', m.type, 'code must be a string');
    const language = m.language === undefined ? '' : m.language;
    if (!isStr(language, 0, 50)) return error(c, 'INVALID_FIELD', m.type, 'language must be at most 50 characters');
    toHost(room, {
      type: 'CODE_UPDATE',
      data: { userId: c.userId, username: c.username, code: m.code, language, timestamp: Date.now() },
    });
  },

  SUBMIT_CODE(c, m) {
    const room = roomOf(c, m);
    if (!room) return;
    if (!isApproved(c)) return error(c, 'FORBIDDEN', m.type);
    if (typeof m.code !== 'string') return error(c, 'INVALID_FIELD', m.type, 'code must be a string');
    if (!isStr(m.language, 0, 50)) return error(c, 'INVALID_FIELD', m.type, 'language must be a string of at most 50 characters');
    const key = idemKey(c, m);
    if (key === false) return;
    const mem = c.member;
    let submissionTime;
    if (key !== null) {
      const k = `s:${mem.userId}:${key}`;
      submissionTime = room.idem.get(k);
      if (submissionTime !== undefined) // a resend: acknowledged again, nothing new
        return send(c, { type: 'SUBMISSION_RECEIVED', message: 'Your code has been submitted successfully', roomId: room.id, submissionTime });
      submissionTime = Date.now();
      room.idem.set(k, submissionTime);
    } else {
      submissionTime = Date.now();
    }
    mem.submissions++;
    mem.lastCode = m.code;
    mem.lastLanguage = m.language;
    mem.lastSubmissionTime = submissionTime;
    send(c, { type: 'SUBMISSION_RECEIVED', message: 'Your code has been submitted successfully', roomId: room.id, submissionTime });
    toHost(room, {
      type: 'USER_SUBMITTED',
      data: { userId: c.userId, username: c.username, submissionTime, code: m.code, language: m.language },
    });
  },

  FULLSCREEN_EXIT(c, m) { signal(c, m, 'FULLSCREEN_EXIT'); },
  TAB_BLUR(c, m) { signal(c, m, 'TAB_SWITCH'); },
  FULLSCREEN_ENTER(c, m) { signal(c, m, null, ' returned to fullscreen mode'); },
  TAB_FOCUS(c, m) { signal(c, m, null, ' returned to the tab'); },
};

function admit(room, mem) {
  mem.status = 'APPROVED';
  room.approved++;
  const u = mem.conn;
  if (u) {
    room.audience.add(u);
    send(u, joinApproved(room, 'participant'));
  }
  broadcast(room, {
    type: 'USER_JOINED', data: { userId: mem.userId, username: mem.username, connectedCount: room.audience.size },
  });
}

function signal(c, m, violationType, text) {
  const room = roomOf(c, m);
  if (!room) return;
  if (!isApproved(c)) return error(c, 'FORBIDDEN', m.type);
  if (violationType) {
    const key = idemKey(c, m);
    if (key !== false) violation(room, c.member, violationType, key);
    return;
  }
  toHost(room, {
    type: 'PROCTORING_UPDATE',
    data: { userId: c.userId, username: c.username, eventType: m.type, timestamp: Date.now(), message: c.username + text },
  });
}

// -- connections ------------------------------------------------------------------

let nextConnId = 1;

function onConnection(ws, identity) {
  const c = { ws, id: nextConnId++, userId: identity.userId, username: identity.username, role: identity.role, room: null, member: null };
  conns.add(c);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.close(1003, 'text frames only');
      return;
    }
    stats.messagesIn++;
    stats.bytesIn += data.length;
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch {
      return error(c, 'INVALID_JSON');
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string')
      return error(c, 'INVALID_MESSAGE');
    const h = Object.hasOwn(handlers, m.type) ? handlers[m.type] : undefined;
    if (h === undefined) return error(c, 'UNKNOWN_TYPE', m.type);
    h(c, m);
  });
  ws.on('error', () => {}); // e.g. 1009 / 1007: ws closes the socket itself
  ws.on('close', () => {
    conns.delete(c);
    stats.connections--;
    detach(c, 'DISCONNECTED');
  });
}

// -- HTTP and the upgrade ------------------------------------------------------------

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20, clientTracking: false });

function reply(res, status, body) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

const server = http.createServer((req, res) => {
  const p = req.url.split('?', 1)[0];
  if (req.method === 'GET' && p === '/api/stats') return reply(res, 200, stats);
  if (req.method === 'GET' && p === '/health') return reply(res, 200, { status: 'ok' });
  reply(res, 404, { code: 'NOT_FOUND', message: 'not found' });
});

function refuse(socket, status, text, body) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`);
}

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  const q = req.url.indexOf('?');
  const p = q < 0 ? req.url : req.url.slice(0, q);
  if (p !== '/ws' && p !== '/') return refuse(socket, 404, 'Not Found', '{"code":"NOT_FOUND","message":"not found"}');
  let token = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('token');
  if (!token) {
    const a = req.headers.authorization;
    if (a && a.length > 7 && a.slice(0, 7).toLowerCase() === 'bearer ') token = a.slice(7).trim();
  }
  const identity = token ? verifyJwt(token) : null;
  if (!identity) return refuse(socket, 401, 'Unauthorized', '{"code":"UNAUTHORIZED","message":"invalid token"}');
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, identity));
});

server.listen(opts.port, opts.bind, () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});

function shutdown() {
  for (const c of conns) c.ws.close(1001, 'server shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => {
    for (const c of conns) c.ws.terminate();
    process.exit(0);
  }, 1000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
