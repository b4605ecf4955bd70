import type { AllowList } from './allow-list.js';
import type { Skipped } from './blob-text.js';
import { detectSecrets } from './detect-secrets.js';
import { fingerprint, redact, type Finding } from './finding.js';
import { isGitWorkTree, walkHistory, type HistoryCounts } from './git-history.js';
import type { ScanCounts } from './scan-progress.js';
import { walkWorkingTree } from './working-tree.js';

/** Findings kept in memory (and printed); more are counted, and the summary says so. */
export const MAX_FINDINGS = 10_000;
/** Skipped files listed; more are counted. */
export const MAX_SKIPPED_LISTED = 1_000;

/** What to scan and how. */
export interface ScanOptions {
  root: string;
  worktree: boolean;
  history: boolean;
  maxBytes: number;
  includeNodeModules: boolean;
  allow: AllowList;
  /** Called after each file or blob, with the running counts. */
  onProgress?: (phase: 'worktree' | 'history', counts: ScanCounts) => void;
}

/** Whether the history was read. */
export type HistoryState = 'scanned' | 'not-a-repository' | 'off';

/** A scan's result: what was found (the allow-list applied), what was not read, and the counts. */
export interface ScanResult {
  findings: Finding[];
  skipped: Skipped[];
  counts: ScanCounts;
  /** Findings the allow-list removed. */
  allowed: number;
  /** `aak_` strings that are not whole keys (see managed-key-detector.ts). */
  lookalikes: number;
  history: HistoryState;
  /** More findings or skipped files than are listed. */
  truncated: boolean;
}

/**
 * Scans the working tree under `root` and, when it is in a git work tree, every blob of its
 * history. A secret met again in the history at the same path (every later version of a file that
 * still holds it) is reported once, at the commit that introduced it.
 */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const counts: ScanCounts = { files: 0, commits: 0, blobs: 0, findings: 0, skipped: 0 };
  const result: ScanResult = { findings: [], skipped: [], counts, allowed: 0, lookalikes: 0, history: 'off', truncated: false };
  const skip = (entry: Skipped) => {
    if (options.allow.allowsPath(entry.path)) return;
    counts.skipped++;
    if (result.skipped.length < MAX_SKIPPED_LISTED) result.skipped.push(entry);
    else result.truncated = true;
  };
  const record = (finding: Finding) => {
    if (options.allow.allows(finding)) {
      result.allowed++;
      return;
    }
    counts.findings++;
    if (result.findings.length < MAX_FINDINGS) result.findings.push(finding);
    else result.truncated = true;
  };

  if (options.worktree) {
    for await (const entry of walkWorkingTree(options.root, { maxBytes: options.maxBytes, includeNodeModules: options.includeNodeModules })) {
      counts.files++;
      if ('skipped' in entry) skip({ path: entry.path, source: 'worktree', reason: entry.skipped, ...(entry.size === undefined ? {} : { size: entry.size }) });
      else {
        const scanned = await detectSecrets(entry.text, entry.path);
        result.lookalikes += scanned.lookalikes;
        for (const match of scanned.matches) record({ ...match, path: entry.path, source: 'worktree', fingerprint: fingerprint(match.secret), redacted: redact(match.secret) });
      }
      options.onProgress?.('worktree', counts);
    }
  }

  if (options.history) {
    if (!(await isGitWorkTree(options.root))) result.history = 'not-a-repository';
    else {
      result.history = 'scanned';
      const reported = new Set<string>();
      const historyCounts: HistoryCounts = { commits: 0, blobs: 0 };
      for await (const entry of walkHistory(options.root, options.maxBytes, historyCounts)) {
        counts.commits = historyCounts.commits;
        counts.blobs = historyCounts.blobs;
        if ('skipped' in entry) skip({ path: entry.path, source: 'history', commit: entry.commit, reason: entry.skipped, ...(entry.size === undefined ? {} : { size: entry.size }) });
        else {
          const scanned = await detectSecrets(entry.text, entry.path);
          result.lookalikes += scanned.lookalikes;
          for (const match of scanned.matches) {
            const print = fingerprint(match.secret);
            const key = `${print}\0${entry.path}`;
            if (reported.has(key)) continue;
            reported.add(key);
            record({ ...match, path: entry.path, source: 'history', commit: entry.commit, fingerprint: print, redacted: redact(match.secret) });
          }
        }
        options.onProgress?.('history', counts);
      }
      counts.commits = historyCounts.commits;
      counts.blobs = historyCounts.blobs;
    }
  }
  return result;
}
