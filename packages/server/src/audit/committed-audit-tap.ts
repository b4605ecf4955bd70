import type { AuditInput } from '../store/records.js';

/** Who hears of committed audit records: called synchronously, so it must only enqueue. */
export type CommittedAuditListener = (records: readonly AuditInput[]) => void;

/**
 * The audit records the commit log has made durable, for whoever watches them after the fact (the
 * anomaly detectors, docs/monitoring.md). A listener hears a batch after its transaction has
 * committed and its callers were answered; a listener that throws is cut off from that batch, never
 * the commit (the request was already answered). Records that stores append in their own
 * transactions (`appendAuditInTransaction`, administrative changes) do not pass here.
 */
export class CommittedAuditTap {
  #listeners: CommittedAuditListener[] = [];

  listen(listener: CommittedAuditListener): void {
    this.#listeners.push(listener);
  }

  emit(records: readonly AuditInput[]): void {
    if (records.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(records);
      } catch {
        // A watcher's fault never reaches the commit path; the watcher counts its own losses.
      }
    }
  }
}
