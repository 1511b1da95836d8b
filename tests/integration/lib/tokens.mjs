// JWTs minted by the tests: good ones signed like the server's, and forged
// ones (alg none, wrong secret, expired, tampered, another algorithm) that it
// must reject.

import { createHmac, randomBytes } from 'node:crypto';

/// A fresh random HS256 secret (hex, like the server's own random_secret()).
export function randomSecret() {
  return randomBytes(32).toString('hex');
}

export function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

/// Mints a JWT. Defaults: HS256, sub, name, iat now, exp in one hour.
/// opts: secret (required unless alg is 'none'), role, username, exp (seconds
/// since epoch, or null for no exp), expiresIn (seconds), alg ('HS256',
/// 'HS512', 'none'), header (merged into the header), claims (merged into the
/// payload; a key set to undefined is removed), name=undefined omits "name".
export function token(sub, name, opts = {}) {
  const alg = opts.alg ?? 'HS256';
  const now = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'JWT', ...(opts.header ?? {}) };
  const payload = { sub, iat: now };
  if (name !== undefined) payload.name = name;
  if (opts.role !== undefined) payload.role = opts.role;
  if (opts.username !== undefined) payload.username = opts.username;
  if (opts.exp !== null) payload.exp = opts.exp ?? now + (opts.expiresIn ?? 3600);
  for (const [k, v] of Object.entries(opts.claims ?? {})) {
    if (v === undefined) delete payload[k];
    else payload[k] = v;
  }
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (alg === 'none') return `${signingInput}.`;
  if (!opts.secret) throw new Error('token(): opts.secret is required');
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  if (!hash) throw new Error(`token(): cannot sign with ${alg}`);
  const sig = createHmac(hash, opts.secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

/// Splits a JWT into its decoded header and payload (no verification).
export function decodeToken(jwt) {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

/// Checks an HS256 signature (used to self-test token()).
export function verifyHs256(jwt, secret) {
  const [h, p, s] = jwt.split('.');
  const expect = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return s === expect;
}

/// Tokens the server must reject with UNAUTHORIZED, each labelled.
/// `sub` is who the token claims to be.
export function badTokens(secret, sub, name = 'Mallory') {
  const good = token(sub, name, { secret });
  const [h, , s] = good.split('.');
  const forgedPayload = b64url(JSON.stringify({
    sub: `${sub}-admin`, name, iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 3600,
  }));
  return {
    'alg none': token(sub, name, { alg: 'none' }),
    'alg none with the signature kept': `${token(sub, name, { alg: 'none' }).slice(0, -1)}${s}`,
    'wrong secret': token(sub, name, { secret: `${secret}-wrong` }),
    'expired': token(sub, name, { secret, exp: Math.floor(Date.now() / 1000) - 120 }),
    'tampered payload': `${h}.${forgedPayload}.${s}`,
    // The signature's first character carries 6 bits of it (the last one
    // has 2 padding bits a lenient decoder ignores).
    'tampered signature': `${h}.${good.split('.')[1]}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`,
    'HS512 (another algorithm)': token(sub, name, { secret, alg: 'HS512' }),
    'not a JWT': 'not-a-jwt',
    'empty string': '',
  };
}
