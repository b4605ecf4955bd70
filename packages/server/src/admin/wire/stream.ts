import { Type, type Static } from 'typebox';
import { AgentId } from './agent.js';
import { Enum, NullableString, Page, Time, pagination } from './primitives.js';

/**
 * Shared Signals event streams on the admin API's wire (docs/admin-api.md, "Event streams"). The
 * push receiver's URL is shown by its origin only and its `authorization_header` never: either may
 * carry the receiver's secret.
 */

/** A stream id as the transmitter makes them (base64url), bounded as the SSF API bounds it. */
const StreamId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** One stream, as the operator sees it. */
export const SsfStream = Type.Object({
  stream_id: Type.String(),
  agent_id: Type.String(),
  delivery_method: Enum(['urn:ietf:rfc:8936', 'urn:ietf:rfc:8935']),
  receiver_origin: NullableString,
  description: NullableString,
  status: Enum(['enabled', 'paused', 'disabled']),
  status_reason: NullableString,
  events_delivered: Type.Array(Type.String()),
  created_at: Time,
  updated_at: Time,
  last_seen_at: Time,
  push_delivered: Type.Integer(),
  push_failed: Type.Integer(),
  last_push_at: Type.Union([Time, Type.Null()]),
  last_push_error: NullableString,
});
export type SsfStream = Static<typeof SsfStream>;

/** `GET /streams` answer. */
export const SsfStreamPage = Page(SsfStream);
export type SsfStreamPage = Static<typeof SsfStreamPage>;

/** `GET /streams` query. */
export const ListStreamsQuery = Type.Object({ agent_id: Type.Optional(AgentId), ...pagination }, { additionalProperties: false });
export type ListStreamsQuery = Static<typeof ListStreamsQuery>;

/** Path parameters of `/streams/{id}`. */
export const StreamParams = Type.Object({ id: StreamId }, { additionalProperties: false });
