import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, statSync } from 'node:fs';

/** The data directory could be read or written by others than the server's user. */
export class InsecureDataDirError extends Error {
  override readonly name = 'InsecureDataDirError';
}

const POSIX = process.platform !== 'win32';

/**
 * Makes sure `dir` is a directory only the server's user can enter: created with mode 0700 when
 * missing; refused (an `InsecureDataDirError` naming the fix) when it exists with any group or
 * world permission, or is not a directory. The data directory holds the database, the master key
 * and the bootstrap token: a group-readable one would hand every signing key to the group, so the
 * server does not repair it silently either (the operator may have meant to share it).
 */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw new InsecureDataDirError(`the data directory ${dir} is not a directory`);
  if (POSIX && (stat.mode & 0o077) !== 0) {
    throw new InsecureDataDirError(
      `the data directory ${dir} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); ` +
        `it holds the database and the master key: run chmod 700 ${dir}`,
    );
  }
}

/**
 * Makes `file` private (mode 0600): creates it empty when missing, without following a symlink;
 * tightens an existing file that others can read (a database made by an older version) and
 * returns true then, so the caller can say so.
 */
export function ensurePrivateFile(file: string): boolean {
  let existing;
  try {
    existing = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    return false;
  }
  if (!existing.isFile()) throw new InsecureDataDirError(`${file} is not a regular file`);
  if (!POSIX || (existing.mode & 0o077) === 0) return false;
  chmodSync(file, 0o600);
  return true;
}
