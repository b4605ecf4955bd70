import type { AuditRecord } from '../store/records.js';
import type { AuditStore } from '../store/store.js';
import { GENESIS_PREV_HASH, hashAuditRecord } from './hash-chain.js';

/** Default number of records read per `readAuditRange` call. */
export const DEFAULT_VERIFY_CHUNK = 1000;

/** What tampering the first broken link looks like. */
export type AuditChainProblem = 'edited' | 'deleted' | 'reordered';

export type AuditChainVerdict =
  | { ok: true; recordsChecked: number }
  | { ok: false; recordsChecked: number; firstBadSeq: number; problem: AuditChainProblem };

/**
 * Walks the whole audit log in `seq` order, in chunks, and checks the hash chain
 * (`hashAuditRecord`): this is what `agentauth audit verify` and `POST /admin/v1/audit/verify`
 * report. It stops at the first problem. With `p` the previous record (or, before the first one, a
 * genesis with `seq` 0 and hash `''`) and `r` the record read:
 *
 * - `deleted`: `r.seq` skips numbers; `firstBadSeq` is the first missing one (`p.seq + 1`). This is
 *   also what deleting the first records looks like (seq starts at 1).
 * - `edited`: `r` still links to `p` (`r.prevHash === p.hash`) but its hash does not recompute: its
 *   content was changed in place; `firstBadSeq` is `r.seq`. If instead `r` recomputes but no longer
 *   links to `p`, then `p` was edited and its hash recomputed to hide it; `firstBadSeq` is `p.seq`.
 * - `reordered`: `r` neither recomputes nor links to `p` (a record moved here from elsewhere: its
 *   `seq` was changed, which its hash covers), or a `seq` repeats or goes backwards; `firstBadSeq` is
 *   `r.seq`. Deleting a record and renumbering the ones after it also reports `reordered`.
 *
 * `recordsChecked` counts the records found intact before the first problem.
 *
 * What it cannot detect: records cut from the END of the log. Every record only vouches for the
 * ones before it, so a log truncated after record n is a valid chain of n records. The store's
 * chain head row (last seq and hash) is not reachable through `readAuditRange`, and an attacker who
 * can delete rows can rewrite it too, so catching truncation needs an anchor kept outside the
 * database: note the last `seq` and `hash` (the newest exported line) somewhere else, and compare.
 * Nor can it detect a log rewritten from some record onwards with every later hash recomputed: the
 * chain has no secret key; again only an external anchor of a later hash catches that.
 */
export async function verifyAuditChain(
  store: Pick<AuditStore, 'readAuditRange'>,
  options: { chunk?: number } = {},
): Promise<AuditChainVerdict> {
  const chunk = options.chunk ?? DEFAULT_VERIFY_CHUNK;
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new TypeError('verifyAuditChain: chunk must be a positive integer');

  let prevSeq = 0;
  let prevHash = GENESIS_PREV_HASH;
  let checked = 0;
  for (;;) {
    const records = await store.readAuditRange(prevSeq + 1, chunk);
    if (records.length === 0) return { ok: true, recordsChecked: checked };
    for (const record of records) {
      const problem = checkLink(prevSeq, prevHash, record);
      // When the predecessor is blamed, it is no longer counted as intact.
      if (problem !== undefined) return { ok: false, recordsChecked: problem.firstBadSeq === prevSeq ? checked - 1 : checked, ...problem };
      prevSeq = record.seq;
      prevHash = record.hash;
      checked++;
    }
  }
}

function checkLink(
  prevSeq: number,
  prevHash: string,
  record: AuditRecord,
): { firstBadSeq: number; problem: AuditChainProblem } | undefined {
  if (record.seq > prevSeq + 1) return { firstBadSeq: prevSeq + 1, problem: 'deleted' };
  if (record.seq <= prevSeq) return { firstBadSeq: record.seq, problem: 'reordered' };
  const recomputes = recomputedHash(record) === record.hash;
  const links = record.prevHash === prevHash;
  if (links && recomputes) return undefined;
  if (links) return { firstBadSeq: record.seq, problem: 'edited' };
  // The first record has no predecessor to have been edited: a wrong genesis link is an edit of it.
  if (recomputes) return prevSeq === 0 ? { firstBadSeq: record.seq, problem: 'edited' } : { firstBadSeq: prevSeq, problem: 'edited' };
  return { firstBadSeq: record.seq, problem: 'reordered' };
}

function recomputedHash(record: AuditRecord): string | undefined {
  const { hash: _hash, prevHash, ...fields } = record;
  try {
    return hashAuditRecord(prevHash, fields);
  } catch {
    // Something JSON cannot hold (a non-finite number) cannot be what was hashed.
    return undefined;
  }
}
