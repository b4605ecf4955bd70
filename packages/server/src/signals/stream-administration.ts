import type { Clock } from '../clock.js';
import type { Page, PageRequest } from '../store/ports/page.js';
import type { SignalsStore, StreamRecord } from '../store/ports/signals-store.js';

/** Who asked, for the audit record: an admin principal, its address and the request. */
export interface AdminAuditContext {
  actor: string;
  sourceIp: string | null;
  requestId: string | null;
}

/**
 * The operator's view of every receiver's SSF streams (the admin API): list them and delete one.
 * SSF 1.0 §8.1 gives a receiver its own streams only; the operator needs all of them, to free a
 * receiver's slots or drop a stream nobody reads.
 */
export class StreamAdministration {
  constructor(private readonly deps: { store: Pick<SignalsStore, 'pageStreams' | 'getStream' | 'deleteStream'>; clock: Clock }) {}

  list(filter: { ownerAgentId?: string }, page: PageRequest): Promise<Page<StreamRecord>> {
    return this.deps.store.pageStreams(filter, page);
  }

  /** Deletes the stream and its queue, audited as `ssf_stream.deleted` with the admin as actor; false when there is no such stream. */
  async delete(streamId: string, ctx: AdminAuditContext): Promise<boolean> {
    const stream = await this.deps.store.getStream(streamId);
    if (stream === undefined) return false;
    return this.deps.store.deleteStream(streamId, [
      {
        time: this.deps.clock.now(),
        event: 'ssf_stream.deleted',
        outcome: 'success',
        agentId: stream.ownerAgentId,
        actor: ctx.actor,
        sourceIp: ctx.sourceIp,
        reason: null,
        requestId: ctx.requestId,
        details: { stream_id: streamId },
      },
    ]);
  }
}
