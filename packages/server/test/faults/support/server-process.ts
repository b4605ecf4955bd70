import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOTSTRAP_TOKEN, freePort, TEST_MASTER_KEY } from '../../support/test-server.js';

/** The built server command, as `agentauth start` runs it (npm test builds before it tests). */
export const SERVER_BIN = fileURLToPath(new URL('../../../dist/bin/agentauth-server.js', import.meta.url));

/** Where a fault test's server keeps its state, which outlives every process started on it. */
export interface ServerHome {
  dataDir: string;
  port: number;
  url: string;
  /** PostgreSQL instead of SQLite in `dataDir`. */
  databaseUrl?: string;
  /** Extra AGENTAUTH_* settings for every start. */
  env: Record<string, string>;
}

/** One running server process on a `ServerHome`. */
export interface RunningServer {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL: no handler runs, nothing is flushed; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, the orderly stop; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** A fresh data directory and port (the issuer names the port, so restarts keep it). */
export async function createServerHome(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<ServerHome> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-fault-'));
  const port = await freePort();
  return { dataDir, port, url: `http://127.0.0.1:${port}`, env: options.env ?? {}, ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }) };
}

export async function removeServerHome(home: ServerHome): Promise<void> {
  await rm(home.dataDir, { recursive: true, force: true });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).ok;
  } catch {
    return false;
  }
}

/**
 * Starts the real server process on `home` and resolves once `/readyz` answers 200. No deadline of
 * its own (the test's timeout bounds it); a process that exits while starting fails at once with
 * what it printed.
 */
export async function startServer(home: ServerHome): Promise<RunningServer> {
  if (!existsSync(SERVER_BIN)) throw new Error('the server is not built: run `npx tsc -b tsconfig.build.json` (npm test does)');
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) env[name] = value;
  Object.assign(env, {
    AGENTAUTH_PORT: String(home.port),
    AGENTAUTH_DATA_DIR: home.dataDir,
    AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
    AGENTAUTH_LOG_LEVEL: 'warn',
    AGENTAUTH_MTLS_PORT: '0',
    ...(home.databaseUrl === undefined ? {} : { AGENTAUTH_DATABASE_URL: home.databaseUrl }),
    ...home.env,
  });
  const child = spawn(process.execPath, [SERVER_BIN, 'start'], { cwd: home.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = exited(child);
  const running: RunningServer = {
    child,
    output: () => output,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await gone;
    },
  };
  while (!(await isReady(home.url))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited while starting:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running;
}
