import { realpathSync } from 'node:fs';

/**
 * Serialises write transactions within one process. better-sqlite3 is synchronous: if a second
 * connection to the same file issued `BEGIN IMMEDIATE` while the first held the write lock across
 * an `await`, SQLite's busy handler would block the very event loop the first one needs to
 * commit, and both would fail. Every store over one file therefore shares one gate; other
 * processes are excluded by SQLite's own lock (and wait for it through `busy_timeout`).
 */
export class WriteGate {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` once every earlier `run` has settled. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** PostgreSQL needs no gate: the server's row locks serialise writers, and the pool is concurrent. */
export const openGate = Object.freeze({ run: <T>(work: () => Promise<T>): Promise<T> => work() });

export type Gate = Pick<WriteGate, 'run'>;

const fileGates = new Map<string, { gate: WriteGate; users: number }>();

/** The gate shared by every store open on `file` (an existing path) in this process. */
export function acquireFileGate(file: string): { gate: Gate; release(): void } {
  const key = realpathSync(file);
  let entry = fileGates.get(key);
  if (entry === undefined) {
    entry = { gate: new WriteGate(), users: 0 };
    fileGates.set(key, entry);
  }
  entry.users += 1;
  const held = entry;
  let released = false;
  return {
    gate: held.gate,
    release() {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users === 0 && fileGates.get(key) === held) fileGates.delete(key);
    },
  };
}
