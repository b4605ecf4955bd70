import type { AuditRecord } from '../store/records.js';
import type { AuditStore } from '../store/ports/audit-store.js';
import { GENESIS_PREV_HASH, hashAuditRecord } from './hash-chain.js';

/** Default number of records read per `readAuditRange` call. */
export const DEFAULT_VERIFY_CHUNK = 1000;

/**
 * What tampering the first broken link looks like. `truncated` and `rewritten` are found only
 * against an expected head kept outside the database (`expectHead`).
 */
export type AuditChainProblem = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'rewritten';

/** A record of the chain named by its position and hash: the head, or an anchor kept elsewhere. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

export type AuditChainVerdict =
  /** `head`: the last record (seq 0 and hash `''` for an empty log). */
  | { ok: true; recordsChecked: number; head: AuditChainHead }
  /** `head`: the last record, when every link holds and only the expected head was missed. */
  | { ok: false; recordsChecked: number; firstBadSeq: number; problem: AuditChainProblem; head?: AuditChainHead };

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
 * `recordsChecked` counts the records found intact before the first problem; an intact chain's
 * verdict names its `head`, the last record (`agentauth audit verify` prints it as `SEQ:HASH`).
 *
 * What the chain alone cannot show: records cut from the END of the log. Every record only vouches
 * for the ones before it, so a log truncated after record n is a valid chain of n records. The
 * store's chain head row is not reachable through `readAuditRange`, and an attacker who can delete
 * rows can rewrite it too. Nor can it show a log rewritten from some record onwards with every later
 * hash recomputed: the chain has no secret key. Both need an anchor kept outside the database: a
 * head printed by an earlier verification (or the newest exported line). Given as `expectHead`:
 *
 * - `truncated`: the intact chain ends before `expectHead.seq`; `firstBadSeq` is the first missing
 *   seq (the head's seq + 1).
 * - `rewritten`: the record at `expectHead.seq` has another hash: the log was cut before it and has
 *   grown again, or was rewritten with its hashes recomputed; `firstBadSeq` is `expectHead.seq`.
 *
 * A broken link found before the anchor is reported as such, first.
 */
export async function verifyAuditChain(
  store: Pick<AuditStore, 'readAuditRange'>,
  options: { chunk?: number; expectHead?: AuditChainHead } = {},
): Promise<AuditChainVerdict> {
  const chunk = options.chunk ?? DEFAULT_VERIFY_CHUNK;
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new TypeError('verifyAuditChain: chunk must be a positive integer');
  const anchor = options.expectHead;
  if (anchor !== undefined && (!Number.isSafeInteger(anchor.seq) || anchor.seq < 1 || typeof anchor.hash !== 'string')) {
    throw new TypeError('verifyAuditChain: expectHead must be a positive seq and a hash');
  }

  let prevSeq = 0;
  let prevHash = GENESIS_PREV_HASH;
  let checked = 0;
  let rewritten = false;
  for (;;) {
    const records = await store.readAuditRange(prevSeq + 1, chunk);
    if (records.length === 0) break;
    for (const record of records) {
      const problem = checkLink(prevSeq, prevHash, record);
      // When the predecessor is blamed, it is no longer counted as intact.
      if (problem !== undefined) return { ok: false, recordsChecked: problem.firstBadSeq === prevSeq ? checked - 1 : checked, ...problem };
      if (anchor !== undefined && record.seq === anchor.seq && record.hash !== anchor.hash) rewritten = true;
      prevSeq = record.seq;
      prevHash = record.hash;
      checked++;
    }
  }
  const head = { seq: prevSeq, hash: prevHash };
  if (anchor !== undefined && rewritten) return { ok: false, recordsChecked: checked, firstBadSeq: anchor.seq, problem: 'rewritten', head };
  if (anchor !== undefined && head.seq < anchor.seq) return { ok: false, recordsChecked: checked, firstBadSeq: head.seq + 1, problem: 'truncated', head };
  return { ok: true, recordsChecked: checked, head };
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
