// Starts and stops real ChatAPI nodes (the binary run.sh built) for the client tests.
// A test owns its nodes: it can stop one gracefully (SIGTERM: sockets get 1012) and
// start it again on the same port. Every wait has a deadline.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const DEADLINE = 15_000;
const BIN = process.env.CHATAPI_BIN;

/** A port free right now on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `check` returns a truthy value, polling; rejects at the deadline. */
export async function eventually(what, check, deadline = DEADLINE) {
  const end = Date.now() + deadline;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A node of the binary on `port`, with `env` over a clean environment. */
export class Node {
  constructor(port, env = {}) {
    this.port = port;
    this.env = env;
    this.child = null;
    this.log = [];
    this.base = `http://127.0.0.1:${port}/api/v1`;
  }

  async start() {
    if (!BIN) throw new Error('set CHATAPI_BIN to the chatapi binary (run.sh does)');
    const child = spawn(BIN, [], {
      env: { PATH: process.env.PATH, CHATAPI_HOST: '127.0.0.1', CHATAPI_PORT: String(this.port), CHATAPI_LOG: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk) => { this.log.push(String(chunk)); if (this.log.length > 200) this.log.shift(); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.exited = exited;
    let gone = false;
    exited.then(() => { gone = true; });
    await eventually(`node on port ${this.port} to answer /health`, async () => {
      if (gone) throw new Error(`node on port ${this.port} exited: ${this.log.join('').slice(-2000)}`);
      try {
        const res = await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(1000) });
        return res.ok;
      } catch {
        return false;
      }
    });
    return this;
  }

  /** SIGTERM, as an orchestrator stops a node: its sockets are told 1012. */
  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), DEADLINE);
    await this.exited;
    clearTimeout(timer);
  }
}
