/** Counts shown while a scan runs. */
export interface ScanCounts {
  files: number;
  commits: number;
  blobs: number;
  findings: number;
  skipped: number;
}

/** At most this often, so a fast scan does not flood the terminal or a CI log. */
const INTERVAL_MS = 500;

/**
 * Progress on stderr: counts only, never a path or a secret. On a terminal the line is redrawn in
 * place; otherwise (`--progress` in CI) one line per update. Time comes from `now`, so a test can
 * drive it.
 */
export class ScanProgress {
  readonly #write: (text: string) => void;
  readonly #terminal: boolean;
  readonly #now: () => number;
  #last = -Infinity;

  constructor(write: (text: string) => void, terminal: boolean, now: () => number = Date.now) {
    this.#write = write;
    this.#terminal = terminal;
    this.#now = now;
  }

  /** Shows `counts` if the last update is old enough. */
  update(phase: 'worktree' | 'history', counts: ScanCounts): void {
    const now = this.#now();
    if (now - this.#last < INTERVAL_MS) return;
    this.#last = now;
    this.#show(phase, counts);
  }

  /** Shows the final counts and ends the line. */
  done(counts: ScanCounts): void {
    this.#show('done', counts);
    if (this.#terminal) this.#write('\n');
  }

  #show(phase: string, counts: ScanCounts): void {
    const line = `scan ${phase}: ${counts.files} files, ${counts.commits} commits, ${counts.blobs} blobs, ${counts.findings} findings, ${counts.skipped} skipped`;
    this.#write(this.#terminal ? `\r\x1b[2K${line}` : `${line}\n`);
  }
}
