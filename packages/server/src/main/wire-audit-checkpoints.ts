import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { AuditCheckpointer } from '../audit-checkpoint/audit-checkpointer.js';
import { exportCheckpointsToDirectory } from '../audit-checkpoint/checkpoint-directory.js';
import { CheckpointWebhook } from '../audit-checkpoint/checkpoint-webhook.js';
import { createGuardedPost } from '../net/guarded-post.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * How often each node asks whether a checkpoint is due (ms). Whether one is due is decided by the
 * injected clock against the newest stored checkpoint, so tests move the clock, not the timer, and
 * nodes sharing a database sign about one per interval between them.
 */
export const CHECKPOINT_POLL_MS = 60_000;

/**
 * Signed audit checkpoints (docs/operations.md, "Audit checkpoints"): polled on a timer, signed
 * once more at a graceful shutdown (after the listeners have closed, before the commit log and the
 * store do, since it is wired before the HTTP surfaces), exported to AGENTAUTH_AUDIT_CHECKPOINT_DIR and
 * delivered to AGENTAUTH_AUDIT_CHECKPOINT_WEBHOOK. A failure never stops the server: it is logged
 * (a failed export also audited, once until an export succeeds again) and the next tick tries again.
 */
export function wireAuditCheckpoints(deps: { config: Config; clock: Clock; logger: Logger; store: Store; keys: SigningKeyRing; audit: AuditLog; lifecycle: Lifecycle }): AuditCheckpointer {
  const { config, clock, logger, store, audit } = deps;
  const checkpointer = new AuditCheckpointer({ store, keys: deps.keys, clock, logger, audit, issuer: config.issuer, intervalMs: config.auditCheckpointInterval * 1000 });
  const dir = config.auditCheckpointDir;
  const webhook =
    config.auditCheckpointWebhook === undefined
      ? undefined
      : new CheckpointWebhook({ url: config.auditCheckpointWebhook, post: createGuardedPost({ allowPrivateNetworks: config.auditCheckpointWebhookAllowPrivate }), logger, audit, clock });
  let exportedThrough = 0;
  let exporting: Promise<void> = Promise.resolve();
  // Audited once per run of failures (every tick retries, and a full disk would fill the log).
  let failing = false;

  const exportToDirectory = (): Promise<void> => {
    if (dir === undefined) return Promise.resolve();
    exporting = exporting.then(async () => {
      try {
        exportedThrough = await exportCheckpointsToDirectory(store, dir, exportedThrough);
        failing = false;
      } catch (error) {
        // Never the path in the audit record: the operator's log has it; the code says enough.
        logger.error({ err: error, dir }, 'exporting audit checkpoints failed; the next tick tries again');
        if (failing) return;
        failing = true;
        await audit
          .record({ time: clock.now(), event: 'audit_checkpoint.export_failed', outcome: 'failure', agentId: null, actor: 'system', sourceIp: null, reason: 'directory', requestId: null, details: { code: (error as NodeJS.ErrnoException).code ?? 'error' } })
          .catch((auditError: unknown) => logger.error({ err: auditError }, 'auditing a failed checkpoint export failed'));
      }
    });
    return exporting;
  };

  const tick = async (force: boolean): Promise<void> => {
    try {
      const signed = await checkpointer.checkpoint({ force });
      if (signed !== undefined) webhook?.deliver(signed);
    } catch (error) {
      logger.error({ err: error }, 'signing an audit checkpoint failed; the next tick tries again');
    }
    await exportToDirectory();
  };

  // A tick that fires while one runs is run once after it, never dropped and never piled up.
  let running: Promise<void> | undefined;
  let again = false;
  const poll = (): void => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = tick(false).finally(() => {
      running = undefined;
      if (again) {
        again = false;
        poll();
      }
    });
  };
  const timer = setInterval(poll, CHECKPOINT_POLL_MS);
  timer.unref();
  // A directory configured late, or files lost while the server was down, catch up at the start.
  void exportToDirectory();
  deps.lifecycle.onClose('audit checkpoints', async () => {
    clearInterval(timer);
    await tick(true);
    // The shutdown checkpoint gets one attempt (bounded by its timeout); earlier retries stop.
    await webhook?.close();
  });
  return checkpointer;
}
