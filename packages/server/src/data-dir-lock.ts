import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ensurePrivateDirectory } from './private-directory.js';

/** The file whose lock marks the data directory as taken. */
export const LOCK_FILE = 'agentauth.lock';
/** The holder's process id, beside the lock, for the message a second start prints. */
export const PID_FILE = 'agentauth.pid';

/** A second server tried to use a data directory another process holds. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  /** The holder's pid, when its pid file could be read. */
  readonly holderPid: number | undefined;

  constructor(dataDir: string, holderPid: number | undefined) {
    super(
      `the data directory ${dataDir} is in use by another agentauth process` +
        `${holderPid === undefined ? '' : ` (pid ${holderPid})`}: stop it first, or give this one its own --data-dir ` +
        '(several processes on one machine: --workers N; several nodes: PostgreSQL)',
    );
    this.holderPid = holderPid;
  }
}

/** A held data-directory lock; `release()` is idempotent. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for this process, or throws {@link DataDirInUseError} at once.
 *
 * One SQLite data directory has one authority: its in-memory single-use records (DPoP proofs)
 * and its group commit assume no other server writes the same file, so a second server started
 * on it (another port, another shell) must refuse to run. `--workers N` is one server: its
 * primary holds the lock and the workers it forks do not take it.
 *
 * The lock is SQLite's own exclusive file lock on `agentauth.lock` (an fcntl lock on POSIX), so
 * the kernel drops it when the process dies, however it dies: there is no stale lock file to
 * clean up after a crash. Connections of the same process conflict too (SQLite tracks its locks
 * per file, not per connection), so two servers in one process are refused the same way.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const directory = resolve(dataDir);
  ensurePrivateDirectory(directory);
  const file = join(directory, LOCK_FILE);
  // Created private before SQLite opens it (SQLite would create it 0644).
  closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600));
  // timeout 0: a taken lock is an answer, not something to wait for.
  const db = new BetterSqlite3(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new DataDirInUseError(directory, readHolderPid(directory));
    throw error;
  }
  writePidFile(directory);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(join(directory, PID_FILE), { force: true });
      db.close();
    },
  };
}

function writePidFile(directory: string): void {
  const temporary = join(directory, `${PID_FILE}.${process.pid}`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(directory, PID_FILE));
}

function readHolderPid(directory: string): number | undefined {
  try {
    const text = readFileSync(join(directory, PID_FILE), 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
