import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

import { isBinary, type SkipReason } from './blob-text.js';
import { BytePipeReader } from './byte-pipe-reader.js';

/** One blob of the history, the first time it is met: its text, or why it was skipped. */
export type HistoryEntry = { commit: string; path: string; text: string } | { commit: string; path: string; skipped: SkipReason; size?: number };

/** Counts kept while the history is read, for progress and the summary. */
export interface HistoryCounts {
  commits: number;
  /** Distinct blobs met (each is read at most once). */
  blobs: number;
}

/** Gitlinks (submodules) and symbolic links name other things; their "content" is not a file's. */
const NOT_FILES = new Set(['160000', '120000']);
/**
 * What every git process runs with: a partial clone never fetches the blobs it lacks (git 2.44
 * reads GIT_NO_LAZY_FETCH; a missing blob is then skipped as unreadable), and no pager.
 */
const GIT_ENV = { ...process.env, GIT_NO_LAZY_FETCH: '1', GIT_PAGER: 'cat' };
const RAW_LINE = /^:\d{6} (\d{6}) [0-9a-f]+ ([0-9a-f]+) [AM]\t(.*)$/;

/**
 * Whether `root` is inside a git work tree; false (not an error) when it is not, or when git is not
 * installed.
 */
export async function isGitWorkTree(root: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const child = spawn('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, env: GIT_ENV, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0 && out.trim() === 'true'));
  });
}

/**
 * Every blob added or changed by any commit reachable from any ref (`git log --all`, merges
 * against each parent), oldest commit first, under `root` (paths relative to it): each blob once,
 * with the commit and path where it first appeared. Memory stays bounded whatever the number of
 * commits: the log is streamed, blobs are fetched one at a time from one `git cat-file
 * --batch-command` process (its size asked first, so a blob over `maxBytes` is never read), and
 * what is kept is the set of blob ids already seen (about 100 bytes each).
 */
export async function* walkHistory(root: string, maxBytes: number, counts: HistoryCounts): AsyncGenerator<HistoryEntry> {
  const log = spawn('git', ['-c', 'core.quotePath=false', 'log', '--all', '--reverse', '-m', '--raw', '--no-renames', '--no-abbrev', '--relative', '--diff-filter=AM', '--format=commit %H'], {
    cwd: root,
    env: GIT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const batch = spawn('git', ['cat-file', '--batch-command'], { cwd: root, env: GIT_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  const blobs = new BlobFetcher(batch);
  const seen = new Set<string>();
  let logError = '';
  log.stderr.on('data', (chunk: Buffer) => (logError = (logError + chunk.toString('utf8')).slice(-2000)));
  const logExit = new Promise<number | null>((resolve, reject) => {
    log.on('error', reject);
    log.on('close', resolve);
  });
  try {
    let commit = '';
    let partial = '';
    for await (const chunk of log.stdout as AsyncIterable<Buffer>) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('commit ')) {
          // With -m a merge is listed once per parent, one after the other: counted once.
          if (line.slice(7) !== commit) counts.commits++;
          commit = line.slice(7);
          continue;
        }
        const raw = RAW_LINE.exec(line);
        if (raw === null) continue;
        const [, mode, oid, path] = raw as unknown as [string, string, string, string];
        if (NOT_FILES.has(mode) || seen.has(oid)) continue;
        seen.add(oid);
        counts.blobs++;
        yield { commit, path, ...(await blobs.fetch(oid, maxBytes)) };
      }
    }
    const code = await logExit;
    if (code !== 0) throw new Error(`git log failed: ${logError.trim().split('\n').at(-1) ?? `exit ${code}`}`);
  } finally {
    log.kill();
    blobs.close();
  }
}

/** Blobs by id from one `git cat-file --batch-command`, one request at a time. */
class BlobFetcher {
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #reader: BytePipeReader;

  constructor(child: ChildProcessByStdio<Writable, Readable, Readable>) {
    this.#child = child;
    this.#reader = new BytePipeReader(child.stdout);
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
  }

  /** The blob's text, or why it is skipped: over `maxBytes` (not read), binary, or missing. */
  async fetch(oid: string, maxBytes: number): Promise<{ text: string } | { skipped: SkipReason; size?: number }> {
    this.#child.stdin.write(`info ${oid}\n`);
    const info = (await this.#reader.readLine()).split(' ');
    if (info[1] !== 'blob') return { skipped: 'unreadable' };
    const size = Number(info[2]);
    if (size > maxBytes) return { skipped: 'too-large', size };
    this.#child.stdin.write(`contents ${oid}\n`);
    const header = (await this.#reader.readLine()).split(' ');
    const length = Number(header[2]);
    const bytes = await this.#reader.readBytes(length + 1);
    const content = bytes.subarray(0, length);
    if (isBinary(content)) return { skipped: 'binary', size };
    return { text: content.toString('utf8') };
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}
