// Reading the server's SQLite file with the sqlite3 CLI.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/// Runs one query with `sqlite3 -json` and returns the rows (an array).
export async function sql(db, query) {
  let stdout;
  try {
    ({ stdout } = await execFileP('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query],
      { maxBuffer: 256 * 1024 * 1024 }));
  } catch (err) {
    throw new Error(`sqlite3 ${db} "${query}" failed: ${err.stderr || err.message}`);
  }
  return stdout.trim() === '' ? [] : JSON.parse(stdout);
}

/// Quotes a string as an SQL literal.
export function q(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

/// SQLite stores booleans as integers; accept what a reasonable schema holds.
export function sqlBool(v) {
  if (v === 1 || v === true || v === '1' || v === 'true') return true;
  if (v === 0 || v === false || v === '0' || v === 'false' || v === null) return false;
  throw new Error(`not a boolean column value: ${JSON.stringify(v)}`);
}
