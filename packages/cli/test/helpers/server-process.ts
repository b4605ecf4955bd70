import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
export const CLI = join(ROOT, 'packages/cli/dist/bin/agentauth.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  process: ChildProcess;
  url: string;
  workDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built CLI's `agentauth start` as a real child process in a fresh working directory (or `cwd`), with
 * every inherited AGENTAUTH_* variable removed. Resolves once `/readyz` answers 200 and `ready`
 * (if given) holds for the output.
 */
export async function startServerProcess(options: { args?: string[]; env?: Record<string, string>; ready?: (output: string) => boolean; cwd?: string } = {}): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error('the CLI is not built: run `npm run build` (npm test does)');
  // A caller restarting a server on the same data directory passes its working directory.
  const workDir = options.cwd ?? (await mkdtemp(join(tmpdir(), 'agentauth-process-')));
  // A caller restarting a server on the same data directory keeps its port (and so its issuer).
  const port = options.env?.['AGENTAUTH_PORT'] !== undefined ? Number(options.env['AGENTAUTH_PORT']) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) env[name] = value;
  // The mutual-TLS listener (default port 8443) is off unless a test asks: test servers run side by side.
  Object.assign(env, { AGENTAUTH_PORT: String(port), AGENTAUTH_LOG_LEVEL: 'warn', AGENTAUTH_MTLS_PORT: '0', ...options.env });
  const child = spawn('node', [CLI, 'start', ...(options.args ?? [])], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(workDir, { recursive: true, force: true });
  };
  // Long enough for a loaded machine; a server that never gets there still fails the test.
  const deadline = Date.now() + 120_000;
  while (!(options.ready?.(output) ?? true) || !(await isReady(url))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, url, workDir, output: () => output, stop };
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).ok;
  } catch {
    return false;
  }
}
