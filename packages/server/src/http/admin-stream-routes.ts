import { AdminProblem } from '../admin/problem.js';
import { pageRequest, rfc3339, rfc3339OrNull } from '../admin/wire/primitives.js';
import { ListStreamsQuery, SsfStreamPage, StreamParams, type SsfStream } from '../admin/wire/stream.js';
import type { StreamAdministration } from '../signals/stream-administration.js';
import type { StreamRecord } from '../store/ports/signals-store.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** The admin API's JSON of a stream: the push URL by its origin only (its path or query may hold a secret). */
export function streamToJson(s: StreamRecord): SsfStream {
  let receiverOrigin: string | null = null;
  if (s.endpointUrl !== null) {
    try {
      receiverOrigin = new URL(s.endpointUrl).origin;
    } catch {
      receiverOrigin = null;
    }
  }
  return {
    stream_id: s.streamId,
    agent_id: s.ownerAgentId,
    delivery_method: s.deliveryMethod,
    receiver_origin: receiverOrigin,
    description: s.description,
    status: s.status,
    status_reason: s.statusReason,
    events_delivered: [...s.eventsDelivered],
    created_at: rfc3339(s.createdAt),
    updated_at: rfc3339(s.updatedAt),
    last_seen_at: rfc3339(s.lastSeenAt),
    push_delivered: s.pushDelivered,
    push_failed: s.pushFailed,
    last_push_at: rfc3339OrNull(s.lastPushAt),
    last_push_error: s.lastPushError,
  };
}

/** `/streams`: every receiver's SSF event streams (docs/admin-api.md, "Event streams"; docs/signals.md). */
export function streamRoutes(streams: StreamAdministration): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET',
      url: '/streams',
      operationId: 'listStreams',
      summary: "List the Shared Signals event streams of every receiver (or of one agent), by stream id.",
      schema: { querystring: ListStreamsQuery },
      success: { status: 200, schema: SsfStreamPage },
      authenticated: true,
      handler: async ({ query }) => {
        let page;
        try {
          page = await streams.list(query.agent_id === undefined ? {} : { ownerAgentId: query.agent_id }, pageRequest(query));
        } catch (error) {
          if (error instanceof RangeError) throw new AdminProblem('validation_failed', 'the cursor is not one this API returned');
          throw error;
        }
        return { items: page.items.map(streamToJson), ...(page.next === undefined ? {} : { next_cursor: page.next }) };
      },
    }),
    adminRoute({
      method: 'DELETE',
      url: '/streams/:id',
      operationId: 'deleteStream',
      summary: 'Delete a Shared Signals event stream and what is queued on it; its receiver gets 404 and may create another.',
      schema: { params: StreamParams },
      success: { status: 204, schema: null },
      authenticated: true,
      handler: async ({ params }, reply, ctx) => {
        if (!(await streams.delete(params.id, ctx.audit))) throw new AdminProblem('not_found', 'no such stream');
        reply.code(204);
        return undefined;
      },
    }),
  ];
}
