/**
 * The `typ` of a signed audit checkpoint (RFC 7515 §4.1.9, in the RFC 8725 §3.11 explicit-typing
 * form): a JWS whose claims vouch for the head of the server's hash-chained audit log, so a
 * checkpoint can never be mistaken for an access token or any other JWT the same key signs.
 */
export const AUDIT_CHECKPOINT_TYP = 'agentauth-audit-checkpoint+jwt';

/** The checkpoint signed before this one, as this one names it. */
export interface AuditCheckpointLink {
  /** Its number. */
  checkpoint: number;
  /** The audit head it vouched for. */
  seq: number;
  hash: string;
  /** base64url SHA-256 of its compact JWS (the ASCII text): binds this checkpoint to those exact bytes. */
  digest: string;
}

/**
 * The claims of an audit checkpoint (docs/operations.md, "Audit checkpoints"). `seq` and `hash`
 * name the last record of the audit log when it was signed, its hash as the chain defines it
 * (docs/events.md, "Hash chain"); an intact log holding that record holds every record before it
 * unchanged. There is no record count: seqs start at 1 and have no gaps, so `seq` is the count.
 */
export interface AuditCheckpointClaims {
  iss: string;
  /** When it was signed (NumericDate, RFC 7519 §2). */
  iat: number;
  /** 1 for the first checkpoint a deployment signs, then one more each time. */
  checkpoint: number;
  seq: number;
  /** base64url SHA-256, 43 characters. */
  hash: string;
  /** Absent on checkpoint 1 only. */
  prev?: AuditCheckpointLink;
}

const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const CLAIMS = new Set(['iss', 'iat', 'checkpoint', 'seq', 'hash', 'prev']);
const LINK = new Set(['checkpoint', 'seq', 'hash', 'digest']);

function positive(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Checks a decoded claims set against {@link AuditCheckpointClaims}, strictly: every member
 * present with its type, no member beyond them, numbers positive integers, hashes and digests
 * 43 base64url characters, and `prev` present exactly when `checkpoint` is above 1, naming
 * checkpoint `checkpoint - 1` and an earlier head (a checkpoint is signed only when the head moved). Returns the claims, or the rule
 * broken.
 *
 * Does NOT check the signature, `iss` against an expected issuer, or `iat` against a clock.
 */
export function parseAuditCheckpointClaims(claims: Record<string, unknown>): AuditCheckpointClaims | { problem: string } {
  for (const name of Object.keys(claims)) if (!CLAIMS.has(name)) return { problem: `unexpected claim ${name}` };
  const { iss, iat, checkpoint, seq, hash, prev } = claims;
  if (typeof iss !== 'string' || iss === '') return { problem: 'iss must be a non-empty string' };
  if (!positive(iat)) return { problem: 'iat must be a positive integer' };
  if (!positive(checkpoint)) return { problem: 'checkpoint must be a positive integer' };
  if (!positive(seq)) return { problem: 'seq must be a positive integer' };
  if (typeof hash !== 'string' || !DIGEST.test(hash)) return { problem: 'hash must be 43 base64url characters' };
  const base = { iss, iat, checkpoint, seq, hash };
  if (prev === undefined) return checkpoint === 1 ? base : { problem: 'prev is required after checkpoint 1' };
  if (checkpoint === 1) return { problem: 'checkpoint 1 has no prev' };
  if (typeof prev !== 'object' || prev === null || Array.isArray(prev)) return { problem: 'prev must be an object' };
  const link = prev as Record<string, unknown>;
  for (const name of Object.keys(link)) if (!LINK.has(name)) return { problem: `unexpected member prev.${name}` };
  if (link.checkpoint !== checkpoint - 1) return { problem: 'prev.checkpoint must be checkpoint - 1' };
  if (!positive(link.seq) || link.seq >= seq) return { problem: 'prev.seq must be a positive integer below seq' };
  if (typeof link.hash !== 'string' || !DIGEST.test(link.hash)) return { problem: 'prev.hash must be 43 base64url characters' };
  if (typeof link.digest !== 'string' || !DIGEST.test(link.digest)) return { problem: 'prev.digest must be 43 base64url characters' };
  return { ...base, prev: { checkpoint: link.checkpoint, seq: link.seq, hash: link.hash, digest: link.digest } };
}
