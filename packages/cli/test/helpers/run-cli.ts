import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { CLI, ROOT } from './server-process.js';

const execFileAsync = promisify(execFile);

/** What a finished CLI process printed, and its exit status. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The built CLI as a real process, run from the repository root without any inherited
 * `AGENTAUTH_*` variable; resolves whatever its exit status, with what it printed.
 */
export async function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  try {
    const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { cwd: ROOT, env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
