// What the Node baselines share: loading their npm packages and checking an
// HS256 JWT the way proctord does (protocol/token.hpp), nothing more.

import { createRequire } from 'node:module';
import { createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

/// An npm package from tools/bench's node_modules, else the integration
/// tests' (`ws` is in both; `socket.io` only in tools/bench).
export function loadPackage(name) {
  for (const base of [path.join(here, '..', 'package.json'), path.join(repo, 'tests/integration/package.json')]) {
    try {
      return createRequire(base)(name);
    } catch { /* try the next */ }
  }
  throw new Error(`npm package "${name}" not found: run \`npm ci --prefix tools/bench\` first`);
}

/// A verifier for HS256 tokens signed with `secret`: {userId, username,
/// role} or null. Rejects other algorithms, bad signatures, a non-numeric or
/// passed `exp`, and a `sub` that is missing or over 64 bytes. The name is
/// `name`, else `username`, else `sub`.
export function jwtVerifier(secret) {
  const key = Buffer.from(secret);
  return (token) => {
    if (typeof token !== 'string') return null;
    const d1 = token.indexOf('.');
    const d2 = token.indexOf('.', d1 + 1);
    if (d1 < 0 || d2 < 0 || token.indexOf('.', d2 + 1) >= 0) return null;
    let header, claims;
    try {
      header = JSON.parse(Buffer.from(token.slice(0, d1), 'base64url').toString());
      claims = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString());
    } catch {
      return null;
    }
    if (!header || header.alg !== 'HS256' || !claims || typeof claims !== 'object') return null;
    const want = createHmac('sha256', key).update(token.slice(0, d2)).digest();
    const got = Buffer.from(token.slice(d2 + 1), 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
    if (claims.exp !== undefined && (typeof claims.exp !== 'number' || Date.now() / 1000 >= claims.exp)) return null;
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub.length === 0 || Buffer.byteLength(sub) > 64) return null;
    const name = typeof claims.name === 'string' && claims.name ? claims.name
      : typeof claims.username === 'string' && claims.username ? claims.username : sub;
    return { userId: sub, username: name, role: typeof claims.role === 'string' ? claims.role : null };
  };
}
