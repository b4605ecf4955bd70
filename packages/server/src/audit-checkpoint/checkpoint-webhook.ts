import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { FetchError } from '../net/fetch-error.js';
import type { GuardedPost } from '../net/guarded-post.js';
import type { AuditCheckpointRecord } from '../store/ports/audit-checkpoint-store.js';
import type { AuditLog } from '../audit/audit-log.js';

/** Waits before the second, third, ... attempt to deliver one checkpoint (ms): about 37 minutes in all. */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1_000, 10_000, 60_000, 300_000, 1_800_000];

/** RFC 7519 §10.3.1: a JWT in its compact serialization. */
const JWT_MEDIA_TYPE = 'application/jwt';

/** Refusals that another attempt cannot change: the URL itself is wrong for the SSRF guard. */
const PERMANENT: ReadonlySet<string> = new Set(['url', 'scheme', 'address', 'redirect']);

/** What {@link CheckpointWebhook} needs. */
export interface CheckpointWebhookDeps {
  /** The receiver (may hold a credential in its query: never logged). */
  url: string;
  post: GuardedPost;
  logger: Logger;
  audit: AuditLog;
  clock: Clock;
  /** Default {@link WEBHOOK_RETRY_DELAYS_MS}. */
  retryDelaysMs?: readonly number[];
}

/**
 * Delivers each checkpoint this node signs to AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK: a POST of the
 * compact JWS as `application/jwt` through the SSRF-guarded client, retried on its own timers
 * ({@link WEBHOOK_RETRY_DELAYS_MS}), never awaited by the checkpointer, so a slow or dead
 * receiver never holds the server up. A receiver may see a checkpoint twice (an answer lost in
 * transit); its `checkpoint` claim identifies it. A delivery that gives up is logged and audited
 * (`audit_checkpoint.export_failed`, reason `webhook`); the URL is in neither, since a query string
 * may carry the receiver's credential.
 */
export class CheckpointWebhook {
  readonly #deps: CheckpointWebhookDeps;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(deps: CheckpointWebhookDeps) {
    this.#deps = deps;
  }

  /** Starts delivering `record`; returns at once. */
  deliver(record: AuditCheckpointRecord): void {
    this.#attempt(record, 0);
  }

  /** Cancels pending retries and waits for the attempts in flight (each bounded by its timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#inFlight]);
  }

  #attempt(record: AuditCheckpointRecord, attempt: number): void {
    const delays = this.#deps.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS;
    const run = this.#deps
      .post(this.#deps.url, record.jws, JWT_MEDIA_TYPE)
      .then(
        () => undefined,
        async (error: unknown) => {
          const code = error instanceof FetchError ? error.code : 'network';
          const delay = delays[attempt];
          if (!this.#closed && delay !== undefined && !PERMANENT.has(code)) {
            const timer = setTimeout(() => {
              this.#timers.delete(timer);
              this.#attempt(record, attempt + 1);
            }, delay);
            timer.unref();
            this.#timers.add(timer);
            return;
          }
          await this.#gaveUp(record, attempt + 1, code, error);
        },
      )
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }

  async #gaveUp(record: AuditCheckpointRecord, attempts: number, code: string, error: unknown): Promise<void> {
    const { logger, audit, clock } = this.#deps;
    logger.error({ err: error, checkpoint: record.checkpoint, attempts }, 'delivering an audit checkpoint to the webhook failed; it stays in the database and the export directory');
    await audit
      .record({ time: clock.now(), event: 'audit_checkpoint.export_failed', outcome: 'failure', agentId: null, actor: 'system', sourceIp: null, reason: 'webhook', requestId: null, details: { checkpoint: record.checkpoint, code, attempts } })
      .catch((auditError: unknown) => logger.error({ err: auditError }, 'auditing a failed checkpoint delivery failed'));
  }
}
