import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './test-server.js';

/**
 * A Redis server of the test's own (`redis-server` as a child process on a spare port, nothing
 * persisted), for tests that stop Redis and start it again: the machine's own Redis is never
 * touched. Restarts keep the port, so the servers' `AGENTAUTH_REDIS_URL` stays right, and start
 * empty, as a Redis without persistence does after a crash.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM by default, SIGKILL for a crash); resolves once it is gone. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** SIGSTOP: connections stay open and commands go unanswered, as on a hung host. `thaw()`: SIGCONT. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Runs one command (inline protocol) and resolves the raw reply. */
  command(line: string): Promise<string>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

/** One inline command over a fresh connection; rejects when Redis cannot be reached. */
function send(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-redis-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = server;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) throw new Error(`redis-server exited while starting:\n${output}`);
      if ((await send(port, 'PING').catch(() => '')).startsWith('+PONG')) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await gone;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    command: (line) => send(port, line),
    async destroy() {
      child?.kill('SIGCONT');
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
