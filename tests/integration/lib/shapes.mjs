// Checking the shape of a message: required keys, exact values or predicates.

import assert from 'node:assert/strict';
import { brief } from './client.mjs';

function pred(label, fn) {
  return Object.assign(fn, { label });
}

/// Predicates for expectShape(); anything else in a spec is compared exactly.
export const is = {
  string: pred('a string', (v) => typeof v === 'string'),
  nonEmptyString: pred('a non-empty string', (v) => typeof v === 'string' && v.length > 0),
  number: pred('a number', (v) => typeof v === 'number' && Number.isFinite(v)),
  bool: pred('a boolean', (v) => typeof v === 'boolean'),
  array: pred('an array', (v) => Array.isArray(v)),
  object: pred('an object', (v) => v !== null && typeof v === 'object' && !Array.isArray(v)),
  // Milliseconds since the epoch, from this machine's clock give or take a
  // minute (the server runs on the same machine).
  recentMillis: pred('a time in ms since the epoch, close to now', (v) =>
    Number.isInteger(v) && Math.abs(v - Date.now()) < 60_000),
  contains: (text) => pred(`a string containing "${text}"`,
    (v) => typeof v === 'string' && v.includes(text)),
  matches: (re) => pred(`a string matching ${re}`, (v) => typeof v === 'string' && re.test(v)),
};

/// Checks that obj has every key of spec, each satisfying its predicate (a
/// function from `is`) or equal to the given value. Extra keys are allowed.
export function expectShape(obj, spec, what = 'message') {
  assert.ok(obj !== null && typeof obj === 'object' && !Array.isArray(obj),
    `${what} should be an object, got ${brief(obj)}`);
  for (const [key, want] of Object.entries(spec)) {
    assert.ok(Object.hasOwn(obj, key), `${what} has no "${key}": ${brief(obj, 600)}`);
    if (typeof want === 'function') {
      assert.ok(want(obj[key]),
        `${what}.${key} should be ${want.label ?? want.name}, got ${brief(obj[key])}`);
    } else {
      assert.deepStrictEqual(obj[key], want, `${what}.${key}: ${brief(obj, 600)}`);
    }
  }
  return obj;
}
