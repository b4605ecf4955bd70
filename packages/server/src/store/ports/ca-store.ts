import type { KeySlot } from '../../key-slot.js';
import type { AuditInput } from '../records.js';
import type { Page } from './page.js';

/**
 * A CA of our hierarchy. Roots are `active` or `old` (kept while certificates under them live);
 * issuing (intermediate) CAs go through every {@link KeySlot}. Times in ms.
 */
export interface CaAuthorityRecord {
  /** Hex of the CA's key identifier (its SKI): stable, public, and the CRL path segment. */
  id: string;
  kind: 'root' | 'intermediate';
  state: KeySlot;
  /** DER, base64. */
  certificate: string;
  /** AES-256-GCM under the master key with `ca:<id>` as associated data; null for an imported root we hold no key of. */
  encryptedPrivateKey: string | null;
  /** The root that signed an intermediate; null for roots. */
  parentId: string | null;
  /** Imported by an operator rather than made by us. */
  external: boolean;
  createdAt: number;
  activatedAt: number | null;
  notAfter: number;
}

/** An issued certificate (never the certificate itself): enough to list, revoke and build CRLs. */
export interface IssuedCertificateRecord {
  /** Canonical serial: lowercase hex, no leading zero octets. */
  serial: string;
  /** The agent an X.509-SVID names; null for a server certificate. */
  agentId: string | null;
  kind: 'agent' | 'server';
  /** The issuing CA's id. */
  caId: string;
  issuedAt: number;
  notAfter: number;
  revokedAt: number | null;
}

/** A published CRL of one issuing CA. */
export interface CrlRecord {
  caId: string;
  number: number;
  thisUpdate: number;
  nextUpdate: number;
  /** DER, base64. */
  der: string;
}

/**
 * What a hierarchy plan writes, decided under the lock from the CAs as they are, with the audit
 * records of those changes (appended to the audit chain in the same transaction).
 */
export interface AuthorityChanges {
  insert: CaAuthorityRecord[];
  update: CaAuthorityRecord[];
  remove: string[];
  audit: AuditInput[];
}

/**
 * The CA's storage, coordinated through the database so every node agrees. Issued
 * certificates are recorded by the commit log, with their audit record (`CommitUnit.certificates`).
 */
export interface CaStore {
  /** Every CA row, any state, expired included (the plan removes those). */
  listAuthorities(): Promise<CaAuthorityRecord[]>;
  /**
   * Runs `plan` under the `ca` lock row and applies its changes and appends its `audit` records in
   * the same transaction: both commit, or neither does.
   */
  mutateAuthorities(plan: (current: CaAuthorityRecord[]) => AuthorityChanges): Promise<CaAuthorityRecord[]>;

  getCertificate(serial: string): Promise<IssuedCertificateRecord | undefined>;
  /** Newest first; the cursor is opaque. */
  listCertificates(filter: { agentId?: string }, page: { limit: number; after?: string }): Promise<Page<IssuedCertificateRecord>>;
  /**
   * Sets `revokedAt` if unset. Returns the record as it now is, and whether this call revoked it.
   * `audit` gives the records of what this call revoked, appended in the same transaction.
   */
  revokeCertificate(serial: string, at: number, audit?: (revoked: readonly IssuedCertificateRecord[]) => readonly AuditInput[]): Promise<{ record: IssuedCertificateRecord; changed: boolean } | undefined>;
  /** Revokes every unexpired, unrevoked certificate of the agent; returns what this call revoked (audited as above). */
  revokeAgentCertificates(agentId: string, at: number, audit?: (revoked: readonly IssuedCertificateRecord[]) => readonly AuditInput[]): Promise<IssuedCertificateRecord[]>;
  /**
   * A number that changes, in commit order, with every revocation (both calls above bump it in the
   * same transaction): one primary-key read, polled by every node (revoked-serials.ts).
   */
  revocationsChangeCounter(): Promise<number>;
  /** Every revoked certificate still recorded (pruning removes them a day after they expire). */
  listRevokedSerials(): Promise<{ serial: string; notAfter: number }[]>;
  /** Revoked certificates of `caId` that expire at or after `now` (what its CRL must list). */
  listRevokedCertificates(caId: string, now: number): Promise<IssuedCertificateRecord[]>;
  /** Deletes certificate records that expired before `before`. */
  pruneCertificates(before: number): Promise<number>;

  getCrl(caId: string): Promise<CrlRecord | undefined>;
  /**
   * Under the `ca` lock: calls `build` with the next CRL number (previous + 1, or 1) and stores its
   * result, unless `stillNeeded(current)` says another node already issued a fresh one.
   */
  issueCrl(caId: string, stillNeeded: (current: CrlRecord | undefined) => boolean, build: (number: number) => CrlRecord): Promise<CrlRecord | undefined>;
}
