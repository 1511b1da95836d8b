// The proctord process: started on a free loopback port with its own
// temporary database and secret, stopped with SIGTERM.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from './client.mjs';
import { randomSecret, token } from './tokens.mjs';
import { sql } from './db.mjs';
import { rebase } from './clock.mjs';

const STARTUP_TIMEOUT_MS = 10000;
const SHUTDOWN_TIMEOUT_MS = 10000;
const LISTENING_RE = /listening on (?:\[[^\]]*\]|[^\s:]+):(\d+)/;

// Every server still running, so a failing test cannot leave a process
// behind that keeps node's event loop (and CTest) waiting.
const liveServers = new Set();
process.on('exit', () => {
  for (const s of liveServers) {
    try { s.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

function requireBin(envName) {
  const value = process.env[envName];
  if (!value) {
    throw new Error(`${envName} is not set: point it at the built binary ` +
      `(see tests/integration/README.md)`);
  }
  const resolved = path.resolve(value);
  if (!existsSync(resolved)) {
    throw new Error(`${envName}=${value} does not exist (resolved to ${resolved})`);
  }
  return resolved;
}

export const proctordBin = () => requireBin('PROCTORD_BIN');
export const proctorctlBin = () => requireBin('PROCTORCTL_BIN');

/// Starts proctord on 127.0.0.1 with an OS-chosen port and a temporary
/// database. opts: args (extra command-line arguments), secret, env, dir (an
/// existing directory whose test.db to reuse: see Server.restart()).
/// Resolves once the server logged its port and /health answered 200.
export async function startServer(opts = {}) {
  const bin = proctordBin();
  const dir = opts.dir ?? await mkdtemp(path.join(tmpdir(), 'proctord-it-'));
  const db = path.join(dir, 'test.db');
  const secret = opts.secret ?? randomSecret();
  const extraArgs = opts.args ?? [];
  const args = ['--port', '0', '--bind', '127.0.0.1', '--db', db,
    '--jwt-secret', secret, ...extraArgs];
  // The contests it restores anchor their clocks at startup: so does now().
  rebase();
  const child = spawn(bin, args, {
    cwd: dir,
    env: { ...process.env, ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new Server({ child, dir, db, secret, args });
  server.options = { args: extraArgs, env: opts.env };
  server.generation = opts.generation ?? 1;
  liveServers.add(server);
  try {
    server.port = await server._waitForPort();
    server.url = `ws://127.0.0.1:${server.port}`;
    server.httpUrl = `http://127.0.0.1:${server.port}`;
    const res = await server.health();
    if (res.status !== 200) {
      throw new Error(`GET /health answered ${res.status}: ${res.body}`);
    }
  } catch (err) {
    await server.kill({ keepFiles: opts.dir !== undefined });
    err.message += `\n--- proctord ${args.join(' ')}\n${server.logTail(40)}`;
    throw err;
  }
  return server;
}

export class Server {
  constructor({ child, dir, db, secret, args }) {
    Object.assign(this, { child, dir, db, secret, args });
    this.port = 0;
    this.url = '';
    this.httpUrl = '';
    this.log = '';
    this.clients = new Set();
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitedAt = Date.now();
        resolve({ code, signal });
      });
      child.on('error', (err) => {
        this.log += `\n[harness] spawn failed: ${err.message}\n`;
        resolve({ code: null, signal: null, error: err });
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        this.log += chunk;
        // Bound memory: keep the last 1 MB of log.
        if (this.log.length > 2_000_000) this.log = this.log.slice(-1_000_000);
        this._onLog?.();
      });
    }
  }

  _waitForPort() {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = LISTENING_RE.exec(this.log);
        if (m) { done(); resolve(Number(m[1])); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`proctord did not log "listening on 127.0.0.1:<port>" ` +
          `within ${STARTUP_TIMEOUT_MS} ms`));
      }, STARTUP_TIMEOUT_MS);
      const done = () => { clearTimeout(timer); this._onLog = null; };
      this._onLog = check;
      this.exited.then(({ code, signal, error }) => {
        done();
        reject(new Error(`proctord exited during startup (code ${code}, signal ${signal}` +
          `${error ? `, ${error.message}` : ''})`));
      });
      check();
    });
  }

  logTail(lines = 20) {
    return this.log.split('\n').slice(-lines - 1).join('\n');
  }

  /// GET /health → {status, body}.
  async health() {
    const res = await fetch(`${this.httpUrl}/health`);
    return { status: res.status, body: await res.text() };
  }

  /// Mints a token signed with this server's secret.
  token(sub, name, opts = {}) {
    return token(sub, name, { secret: this.secret, ...opts });
  }

  /// Opens a client. opts: path ('/ws'), token (sent as ?token=),
  /// headers, label (for failure messages).
  connect(opts = {}) {
    return Client.connect(this, opts);
  }

  /// Connects as a user authenticated at the handshake (?token=).
  connectAs(sub, name, opts = {}) {
    return this.connect({ token: this.token(sub, name), label: sub, ...opts });
  }

  /// Reads the database with the sqlite3 CLI.
  sql(query) {
    return sql(this.db, query);
  }

  /// SIGTERM, wait for exit (SIGKILL after 10 s), close what is left,
  /// delete the temporary directory (kept with {keepFiles: true}, for a
  /// restart). Resolves {code, signal, ms} (ms: from the signal to the exit).
  async stop({ keepFiles = false } = {}) {
    this.signalledAt ??= Date.now();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    let timer;
    const result = await Promise.race([
      this.exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), SHUTDOWN_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    let outcome = result;
    if (!result) {
      this.child.kill('SIGKILL');
      outcome = { ...(await this.exited), timedOut: true };
    }
    outcome = { ...outcome, ms: this.exitedAt - this.signalledAt };
    await this._cleanup({ keepFiles });
    return outcome;
  }

  /// SIGKILL (no graceful shutdown: a crash), then clean up; the database
  /// stays with {keepFiles: true}.
  async kill({ keepFiles = false } = {}) {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    const outcome = await this.exited;
    await this._cleanup({ keepFiles });
    return outcome;
  }

  /// A new proctord on the same database and secret (and, unless opts.args
  /// says otherwise, the same options), after stop({keepFiles: true}) or
  /// kill({keepFiles: true}). The port changes; clients connect to the
  /// returned server. Its stop() deletes the directory as usual.
  async restart(opts = {}) {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      throw new Error('restart(): this proctord is still running; stop or kill it first');
    }
    return startServer({
      dir: this.dir, secret: this.secret, args: opts.args ?? this.options.args,
      env: opts.env ?? this.options.env, generation: this.generation + 1,
    });
  }

  async _cleanup({ keepFiles = false } = {}) {
    for (const c of this.clients) c.terminate();
    // A grandchild holding our pipes must not keep the test process alive.
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    liveServers.delete(this);
    if (!keepFiles) await rm(this.dir, { recursive: true, force: true });
  }

  /// For an after() hook: stops the server and fails, with the log tail, if it
  /// did not exit 0 on SIGTERM (a crash during the tests shows up here too).
  async stopAndCheck() {
    const outcome = await this.stop();
    if (outcome.code !== 0) {
      throw new Error(`proctord did not exit cleanly on SIGTERM: ` +
        `${JSON.stringify(outcome)}\n${this.logTail(40)}`);
    }
    return outcome;
  }
}
