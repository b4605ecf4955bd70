import type { AuditInput, AuditRecord, IssuedTokenRecord } from '../records.js';
import type { IssuedCertificateRecord } from './ca-store.js';
import type { ReplayClaim } from './replay-claim-store.js';

/**
 * One request's durable writes: the single-use claims it makes, its audit records, and the tokens
 * and certificates it issued, committed atomically (with other requests' units, in one transaction
 * per batch). If any claim was already used, none of `audit`, `issuedTokens` and `certificates` is
 * written, and `onReplay` is instead.
 */
export interface CommitUnit {
  claims: ReplayClaim[];
  audit: AuditInput[];
  issuedTokens: IssuedTokenRecord[];
  /** Issued certificates, recorded with the unit's `certificate.issued` record (absent: none). */
  certificates?: IssuedCertificateRecord[];
  /** Audit records written instead of `audit` when a claim turns out to be replayed. */
  onReplay: AuditInput[];
}

export type CommitResult =
  | { ok: true; firstSeq: number }
  /** `replayedKeys`: the unit's claim keys that were already used (so a caller can say which credential was replayed). */
  | { ok: false; reason: 'replayed'; replayedKeys?: string[] };

/** Hashes an audit record onto its predecessor's hash (the audit log's `hashAuditRecord`). */
export type HashRecord = (prevHash: string, record: Omit<AuditRecord, 'hash' | 'prevHash'>) => string;

/**
 * The commit log's write path (ARCHITECTURE.md, The request that matters): many requests' units in
 * one transaction. Audit records get consecutive `seq` numbers and are hash-chained to the stored
 * chain head under a lock, so concurrent writers (processes, nodes) never fork the chain. The only
 * writer of issued tokens and issued certificates.
 */
export interface CommitStore {
  commitUnits(units: CommitUnit[], hashRecord: HashRecord): Promise<CommitResult[]>;
}
