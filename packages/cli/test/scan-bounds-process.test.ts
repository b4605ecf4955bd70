import { execFile, spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { managedKey } from './helpers/planted-secrets.js';
import { CLI } from './helpers/server-process.js';

const execFileAsync = promisify(execFile);
const COMMITS = 3000;
/** A heap far smaller than the history's contents: a scan that kept them would not finish. */
const SMALL_HEAP = '--max-old-space-size=96';

/** `git fast-import` of a history of `COMMITS` commits, each changing one of 50 files; one adds a key. */
async function importHistory(repo: string, key: string): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: repo, stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  const write = (text: string) => new Promise<void>((resolve) => (child.stdin.write(text) ? resolve() : child.stdin.once('drain', () => resolve())));
  for (let i = 1; i <= COMMITS; i++) {
    // Each blob is 4 KiB of text: the history holds about 12 MiB of contents.
    const content = `revision ${i}\n${'lorem ipsum dolor sit amet '.repeat(150)}\n${i === COMMITS / 2 ? `KEY=${key}\n` : ''}`;
    const message = `change ${i}\n`;
    await write(
      `commit refs/heads/main\ncommitter Scan Test <scan@example.com> ${1_700_000_000 + i} +0000\ndata ${Buffer.byteLength(message)}\n${message}` +
        `M 100644 inline src/file-${i % 50}.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  child.stdin.end();
  expect(await done).toBe(0);
}

async function agentauth(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  try {
    const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { env: { ...clean, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('agentauth scan stays bounded on a long history and a huge file', () => {
  let repo: string;
  const key = managedKey();

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'agentauth-scan-long-'));
    await execFileAsync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    await importHistory(repo, key);
    await execFileAsync('git', ['checkout', '-q', '-f', 'main'], { cwd: repo });
    // A 3 GiB sparse file: refused by its size, never read.
    const huge = await open(join(repo, 'huge.bin.log'), 'w');
    await huge.truncate(3 * 1024 ** 3);
    await huge.close();
  }, 180_000);

  afterAll(async () => {
    if (repo !== undefined) await rm(repo, { recursive: true, force: true });
  });

  it(`reads ${COMMITS} commits in a small heap, finds the key once, skips the huge file and prints progress`, async () => {
    const run = await agentauth(['scan', repo, '--json', '--progress'], { NODE_OPTIONS: SMALL_HEAP });
    expect(run.code, run.stderr.slice(-500)).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { path: string; source: string; redacted: string }[]; skipped: { path: string; reason: string; size: number }[]; summary: Record<string, unknown> };
    expect(report.findings).toEqual([expect.objectContaining({ path: `src/file-${(COMMITS / 2) % 50}.txt`, source: 'history', redacted: `aak_…${key.slice(-4)}` })]);
    expect(report.skipped).toEqual([{ path: 'huge.bin.log', source: 'worktree', reason: 'too-large', size: 3 * 1024 ** 3 }]);
    expect(report.summary).toMatchObject({ commits: COMMITS, blobs: COMMITS, files: 51, findings: 1 });
    expect(run.stderr).toContain(`scan done: 51 files, ${COMMITS} commits, ${COMMITS} blobs, 1 findings, 1 skipped`);
    expect(run.stdout + run.stderr).not.toContain(key);
  }, 120_000);
});
