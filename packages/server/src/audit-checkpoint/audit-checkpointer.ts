import type { AuditCheckpointClaims } from '@agentauth/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { AuditCheckpointRecord, AuditCheckpointStore } from '../store/ports/audit-checkpoint-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { assertWellFormedCheckpoint, checkpointDigest, signAuditCheckpoint } from './sign-audit-checkpoint.js';

/** What {@link AuditCheckpointer} needs. */
export interface AuditCheckpointerDeps {
  store: AuditCheckpointStore;
  keys: Pick<SigningKeyRing, 'signer' | 'publicKey'>;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  issuer: string;
  /** How old the newest checkpoint may get before a tick signs the next one, ms. */
  intervalMs: number;
}

/**
 * Signs checkpoints of the audit log's head (docs/operations.md, "Audit checkpoints"), as
 * CloudTrail signs digest files: each names the head (`seq`, `hash`), when, and the checkpoint
 * before it, and is signed with the token signing key. Calls run one at a time, so the shutdown
 * checkpoint waits for a tick in flight.
 */
export class AuditCheckpointer {
  readonly #deps: AuditCheckpointerDeps;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: AuditCheckpointerDeps) {
    if (!Number.isSafeInteger(deps.intervalMs) || deps.intervalMs < 1) throw new TypeError('intervalMs must be a positive integer');
    this.#deps = deps;
  }

  /**
   * Signs, stores and audits the next checkpoint when one is due: there is none yet, or the newest
   * (signed by any node) is `intervalMs` old, or `force` (at shutdown). Nothing is signed while the
   * head has not moved since the newest checkpoint, nor when another node stored the same number
   * first. Resolves to the checkpoint this call stored, if any.
   */
  checkpoint(options: { force?: boolean } = {}): Promise<AuditCheckpointRecord | undefined> {
    const run = this.#queue.then(() => this.#checkpoint(options.force === true));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #checkpoint(force: boolean): Promise<AuditCheckpointRecord | undefined> {
    const { store, keys, clock, logger } = this.#deps;
    const latest = await store.latestAuditCheckpoint();
    const now = clock.now();
    if (!force && latest !== undefined && now - latest.createdAt < this.#deps.intervalMs) return undefined;
    const head = await store.readAuditHead();
    if (head === undefined) return undefined;
    if (latest !== undefined && head.seq <= latest.seq) {
      // The log never shrinks: a head behind a checkpoint is a truncated log, worth an alarm here
      // too, though only the exported checkpoints prove it (`agentauth audit verify --checkpoints`).
      if (head.seq < latest.seq) logger.error({ head: head.seq, checkpoint: latest.checkpoint, checkpointSeq: latest.seq }, 'the audit log ends before its last checkpoint: it was truncated');
      return undefined;
    }

    const signer = keys.signer();
    // Members in the order `parseAuditCheckpointClaims` returns them, so the read-back compares equal.
    const claims: AuditCheckpointClaims = {
      iss: this.#deps.issuer,
      iat: Math.floor(now / 1000),
      checkpoint: (latest?.checkpoint ?? 0) + 1,
      seq: head.seq,
      hash: head.hash,
      ...(latest === undefined ? {} : { prev: { checkpoint: latest.checkpoint, seq: latest.seq, hash: latest.hash, digest: checkpointDigest(latest.jws) } }),
    };
    const jws = signAuditCheckpoint(signer, claims);
    const publicKey = keys.publicKey(signer.kid);
    if (publicKey === undefined) throw new Error(`audit checkpoint: the signing key ${signer.kid} is not published`);
    await assertWellFormedCheckpoint(jws, publicKey, claims);

    const record: AuditCheckpointRecord = { checkpoint: claims.checkpoint, seq: head.seq, hash: head.hash, createdAt: now, kid: signer.kid, jws };
    if (!(await store.insertAuditCheckpoint(record))) return undefined;
    await this.#deps.audit.record({
      time: now,
      event: 'audit_checkpoint.created',
      outcome: 'success',
      agentId: null,
      actor: 'system',
      sourceIp: null,
      reason: null,
      requestId: null,
      details: { checkpoint: record.checkpoint, seq: record.seq, hash: record.hash, kid: record.kid },
    });
    return record;
  }
}
