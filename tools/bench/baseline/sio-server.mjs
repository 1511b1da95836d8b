#!/usr/bin/env node
// Benchmark baseline: seed 002's public study rooms written the idiomatic
// way, with npm's `socket.io` (v4: Engine.IO v4, Socket.IO v5) on Node's
// http server, all state in memory. It is the comparison point for
// proctord's Socket.IO door (tools/bench/suite.mjs sio-idle, sio-storm,
// sio-fanout): the same REST calls and events, the same work per message
// (user bound to a hashed address, capacity, per-address socket limit,
// idle health pings), nothing on top.
//
//   node tools/bench/baseline/sio-server.mjs --port 0 --secret S [--bind 127.0.0.1]
//       [--max-conns-per-ip N] [--ping-interval SECONDS]
//   (the secret may also come from JWT_SECRET)
//
// Prints exactly one line, `listening on PORT`, then serves until SIGTERM or
// SIGINT (exit 0).
//
// HTTP:  POST /api/public/users {userName}        -> 201 {userId, userName, createdAt}
//        POST /api/public/rooms {name, capacity}  -> 201 {roomId, name, capacity} (admin JWT)
//        GET  /api/public/rooms                   -> 200 {rooms: [{roomId, name, capacity,
//                                                        currentOccupancy, createdAt}]}
//        POST /api/public/rooms/:id/join {userId} -> 200 {roomId, userId, userName,
//                                                        joinedAt, currentOccupancy}
//        POST /api/public/rooms/:id/leave {userId}-> 200 {roomId, userId, currentOccupancy}
//        POST /api/public/rooms/:id/broadcast {event, data} (admin JWT)
//                                                 -> 200 {roomId, event, recipients}
//        GET  /api/stats -> {connections, connectionsTotal}; GET /health
// Socket.IO at /socket.io/: namespaces /public-room/:roomId (a dynamic
// namespace, regex), events join-room -> user-joined (to the namespace, the
// joiner included), leave-room -> user-left (to the others) then disconnect,
// pong; server ping after --ping-interval idle seconds (300), 3 missed ->
// error CONNECTION_TIMEOUT and disconnect; Engine.IO pings as socket.io's
// defaults (25 s interval, 20 s timeout); perMessageDeflate off (the
// default).
//
// What it does NOT do (on purpose): no persistence; no rate limit on user
// creation (proctord: --public-user-rate, 10 a minute per address); the
// address is hashed with plain SHA-256 as the seed says (proctord: HMAC with
// its secret); no CORS, no trusted proxies.

import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';

import { jwtVerifier, loadPackage } from './common.mjs';

const { Server } = loadPackage('socket.io');

// -- options ------------------------------------------------------------------

function usage(err) {
  const text = 'usage: node sio-server.mjs [--port 8080] [--bind 127.0.0.1] --secret S (or JWT_SECRET)\n' +
    '       [--max-conns-per-ip 2] [--ping-interval 300]\n';
  if (err) {
    process.stderr.write(`sio-server: ${err}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

function parseArgs(argv) {
  const o = { port: 8080, bind: '127.0.0.1', secret: process.env.JWT_SECRET || '', maxConnsPerIp: 2, pingInterval: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') o.port = Number(v());
    else if (a === '--bind') o.bind = v();
    else if (a === '--secret') o.secret = v();
    else if (a === '--max-conns-per-ip') o.maxConnsPerIp = Number(v());
    else if (a === '--ping-interval') o.pingInterval = Number(v());
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) usage('bad --port');
  if (!Number.isInteger(o.maxConnsPerIp) || o.maxConnsPerIp < 1) usage('bad --max-conns-per-ip');
  if (!(o.pingInterval > 0)) usage('bad --ping-interval');
  if (!o.secret) usage('a secret is required (--secret or JWT_SECRET)');
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// -- JWT (HS256 only), as the other baselines (common.mjs) ----------------------

const verifyJwt = jwtVerifier(opts.secret);

function isAdmin(req) {
  const a = req.headers.authorization;
  if (!a || a.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  const who = verifyJwt(a.slice(7).trim());
  return who !== null && who.role === 'admin';
}

// -- state ----------------------------------------------------------------------
//
// user:  {userId, userName, ipHash, createdAt}
// room:  {roomId, name, capacity, createdAt, members: Map userId -> {userName, joinedAt}}
// conns: Map ipHash -> Map socketId -> connectedAt (the per-address limit)

const users = new Map();
const rooms = new Map();
const conns = new Map();
const stats = { connections: 0, connectionsTotal: 0 };

const hashIp = (ip) => createHash('sha256').update(String(ip)).digest('hex');
const now = () => new Date().toISOString();

function occupancy(room) {
  return room.members.size;
}

// -- REST -------------------------------------------------------------------------

function reply(res, status, body) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}
const fail = (res, status, code, message, field) =>
  reply(res, status, field ? { code, message, field } : { code, message });

function readJson(req, res, then) {
  const chunks = [];
  let size = 0;
  req.on('data', (d) => {
    size += d.length;
    if (size > 1 << 20) req.destroy();
    else chunks.push(d);
  });
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
    } catch {
      return fail(res, 400, 'INVALID_REQUEST', 'the body is not JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return fail(res, 400, 'INVALID_REQUEST', 'the body must be a JSON object');
    then(body);
  });
}

const nameOk = (v, max) => typeof v === 'string' && v.trim().length > 0 && v.length <= max;

function join(room, user) {
  let m = room.members.get(user.userId);
  if (!m) {
    if (occupancy(room) >= room.capacity) return null;
    m = { userName: user.userName, joinedAt: now() };
    room.members.set(user.userId, m);
  }
  return m;
}

function restRoute(req, res, p, ipHash) {
  if (p === '/api/public/users') {
    return readJson(req, res, (b) => {
      if (!nameOk(b.userName, 100)) return fail(res, 400, 'INVALID_REQUEST', 'userName is required', 'userName');
      const user = { userId: randomUUID(), userName: b.userName.trim(), ipHash, createdAt: now() };
      users.set(user.userId, user);
      reply(res, 201, { userId: user.userId, userName: user.userName, createdAt: user.createdAt });
    });
  }
  if (p === '/api/public/rooms') {
    if (!isAdmin(req)) return fail(res, 401, 'UNAUTHORIZED', 'an admin token is required');
    return readJson(req, res, (b) => {
      if (!nameOk(b.name, 100)) return fail(res, 400, 'INVALID_REQUEST', 'name is required', 'name');
      if (!Number.isInteger(b.capacity) || b.capacity < 1 || b.capacity > 10000)
        return fail(res, 400, 'INVALID_REQUEST', 'capacity must be an integer from 1 to 10000', 'capacity');
      const room = { roomId: randomUUID(), name: b.name.trim(), capacity: b.capacity, createdAt: now(), members: new Map() };
      rooms.set(room.roomId, room);
      reply(res, 201, { roomId: room.roomId, name: room.name, capacity: room.capacity });
    });
  }
  const m = p.match(/^\/api\/public\/rooms\/([^/]+)\/(join|leave|broadcast)$/);
  if (!m) return fail(res, 404, 'NOT_FOUND', 'not found');
  const room = rooms.get(m[1]);
  if (m[2] === 'broadcast') {
    if (!isAdmin(req)) return fail(res, 401, 'UNAUTHORIZED', 'an admin token is required');
    return readJson(req, res, (b) => {
      if (!nameOk(b.event, 100)) return fail(res, 400, 'INVALID_REQUEST', 'event is required', 'event');
      if (!room) return fail(res, 404, 'ROOM_NOT_FOUND', 'no such room');
      const nsp = io.of(`/public-room/${room.roomId}`);
      nsp.emit(b.event, b.data ?? null);
      reply(res, 200, { roomId: room.roomId, event: b.event, recipients: nsp.sockets.size });
    });
  }
  return readJson(req, res, (b) => {
    if (typeof b.userId !== 'string' || !b.userId) return fail(res, 400, 'INVALID_REQUEST', 'userId is required', 'userId');
    const user = users.get(b.userId);
    if (!user || user.ipHash !== ipHash) return fail(res, 403, 'INVALID_USER', 'user not found or not yours');
    if (!room) return fail(res, 404, 'ROOM_NOT_FOUND', 'no such room');
    if (m[2] === 'join') {
      const member = join(room, user);
      if (!member) return fail(res, 409, 'ROOM_FULL', 'the room is full');
      return reply(res, 200, { roomId: room.roomId, userId: user.userId, userName: user.userName,
        joinedAt: member.joinedAt, currentOccupancy: occupancy(room) });
    }
    if (!room.members.delete(user.userId)) return fail(res, 409, 'NOT_IN_ROOM', 'not in the room');
    io.of(`/public-room/${room.roomId}`).emit('user-left', { userId: user.userId, currentOccupancy: occupancy(room) });
    reply(res, 200, { roomId: room.roomId, userId: user.userId, currentOccupancy: occupancy(room) });
  });
}

const server = http.createServer((req, res) => {
  const p = req.url.split('?', 1)[0];
  if (req.method === 'GET' && p === '/api/stats') return reply(res, 200, stats);
  if (req.method === 'GET' && p === '/health') return reply(res, 200, { status: 'ok' });
  if (req.method === 'GET' && p === '/api/public/rooms') {
    return reply(res, 200, { rooms: [...rooms.values()].map((r) => ({ roomId: r.roomId, name: r.name,
      capacity: r.capacity, currentOccupancy: occupancy(r), createdAt: r.createdAt })) });
  }
  if (req.method === 'POST' && p.startsWith('/api/public/')) return restRoute(req, res, p, hashIp(req.socket.remoteAddress));
  fail(res, 404, 'NOT_FOUND', 'not found');
});

// -- Socket.IO ------------------------------------------------------------------------

const io = new Server(server, { path: '/socket.io/', serveClient: false, cors: undefined });
io.engine.on('connection', (socket) => {
  stats.connections++;
  stats.connectionsTotal++;
  socket.on('close', () => stats.connections--);
});

const publicRooms = io.of(/^\/public-room\/[A-Za-z0-9._~-]{1,128}$/);

publicRooms.on('connection', (socket) => {
  const roomId = socket.nsp.name.slice('/public-room/'.length);
  const ipHash = hashIp(socket.handshake.address);
  let mine = conns.get(ipHash);
  if (!mine) conns.set(ipHash, (mine = new Map()));
  // Stale entries (over an hour) do not count.
  const hourAgo = Date.now() - 3600e3;
  for (const [id, at] of mine) if (at < hourAgo) mine.delete(id);
  if (mine.size >= opts.maxConnsPerIp) {
    socket.emit('error', { code: 'TOO_MANY_CONNECTIONS', message: 'too many connections from this address' });
    socket.disconnect(true);
    return;
  }
  mine.set(socket.id, Date.now());
  socket.data.lastActivity = Date.now();
  socket.data.missed = 0;
  socket.data.pinged = false;
  socket.onAny(() => {
    socket.data.lastActivity = Date.now();
  });

  socket.on('join-room', (d) => {
    if (d === null || typeof d !== 'object' || typeof d.userId !== 'string' || !d.userId)
      return socket.emit('error', { code: 'INVALID_REQUEST', message: 'userId is required' });
    const user = users.get(d.userId);
    if (!user || user.ipHash !== ipHash) return socket.emit('error', { code: 'INVALID_USER', message: 'user not found or not yours' });
    const room = rooms.get(roomId);
    if (!room) return socket.emit('error', { code: 'ROOM_NOT_FOUND', message: 'no such room' });
    const member = join(room, user);
    if (!member) return socket.emit('error', { code: 'JOIN_ERROR', message: 'the room is full' });
    socket.data.userId = user.userId;
    socket.nsp.emit('user-joined', { userId: user.userId, userName: user.userName,
      joinedAt: member.joinedAt, currentOccupancy: occupancy(room) });
  });

  socket.on('leave-room', (d) => {
    const room = rooms.get(roomId);
    const userId = d && typeof d === 'object' ? d.userId : undefined;
    if (!room || typeof userId !== 'string' || userId !== socket.data.userId || !room.members.delete(userId))
      return socket.emit('error', { code: 'LEAVE_ERROR', message: 'not in the room' });
    socket.data.userId = undefined;
    socket.broadcast.emit('user-left', { userId, currentOccupancy: occupancy(room) });
    socket.disconnect(true);
  });

  socket.on('pong', () => {
    socket.data.missed = 0;
    socket.data.pinged = false;
  });

  socket.on('disconnect', () => {
    mine.delete(socket.id);
    if (mine.size === 0) conns.delete(ipHash);
    const userId = socket.data.userId;
    const room = rooms.get(roomId);
    if (!userId || !room) return;
    // The member leaves with its last socket in the room.
    for (const other of socket.nsp.sockets.values())
      if (other !== socket && other.data.userId === userId) return;
    if (room.members.delete(userId))
      socket.nsp.emit('user-left', { userId, currentOccupancy: occupancy(room) });
  });
});

// Health: a socket idle for an interval gets `ping`; each check that finds
// the last one unanswered is a miss; 3 misses close it.
const pingMs = opts.pingInterval * 1000;
const health = setInterval(() => {
  const t = Date.now();
  for (const nsp of io._nsps.values()) {
    if (!nsp.name.startsWith('/public-room/')) continue;
    for (const socket of nsp.sockets.values()) {
      if (socket.data.pinged) {
        if (++socket.data.missed >= 3) {
          socket.emit('error', { code: 'CONNECTION_TIMEOUT', message: 'no pong' });
          socket.disconnect(true);
          continue;
        }
      }
      if (t - socket.data.lastActivity >= pingMs) {
        socket.data.pinged = true;
        socket.emit('ping');
      }
    }
  }
}, pingMs);
health.unref();

server.listen(opts.port, opts.bind, () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});

function shutdown() {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
