import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditCheckpointStore } from '../store/ports/audit-checkpoint-store.js';

/** How many stored checkpoints one catch-up reads at a time. */
const PAGE = 500;

/**
 * The file a checkpoint is exported to: named by the seq of the audit head it vouches for,
 * zero-padded so that names sort in chain order (`checkpoint-0000000000001234.jwt`).
 */
export function checkpointFileName(seq: number): string {
  return `checkpoint-${String(seq).padStart(16, '0')}.jwt`;
}

/** The names {@link checkpointFileName} gives. */
export const CHECKPOINT_FILE = /^checkpoint-[0-9]{16}\.jwt$/;

/**
 * Writes one checkpoint atomically: a private temporary file (mode 0600, never following a
 * symlink), flushed to disk, then renamed over the final name and the directory flushed, so a
 * crash leaves either no file or the whole JWS, never a torn one. An existing file is kept: the
 * same seq is only ever checkpointed once.
 */
export async function writeCheckpointFile(dir: string, seq: number, jws: string): Promise<void> {
  const target = join(dir, checkpointFileName(seq));
  const temporary = join(dir, `.${checkpointFileName(seq)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await file.writeFile(`${jws}\n`, 'latin1');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const directory = await open(dir, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Exports to `dir` every stored checkpoint numbered after `after` whose file is not there yet,
 * whichever node signed it, and returns the last number seen: a directory configured late, a
 * failed write, or nodes sharing one directory all converge on the full chain. The directory is
 * created (mode 0700) when missing.
 */
export async function exportCheckpointsToDirectory(store: Pick<AuditCheckpointStore, 'listAuditCheckpoints'>, dir: string, after: number): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let last = after;
  let cursor: string | undefined = after === 0 ? undefined : String(after);
  do {
    const page = await store.listAuditCheckpoints(cursor === undefined ? { limit: PAGE } : { limit: PAGE, after: cursor });
    for (const record of page.items) {
      if (!(await exists(join(dir, checkpointFileName(record.seq))))) await writeCheckpointFile(dir, record.seq, record.jws);
      last = record.checkpoint;
    }
    cursor = page.next;
  } while (cursor !== undefined);
  return last;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
