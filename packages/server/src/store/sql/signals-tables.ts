/**
 * The Shared Signals tables (migration `0003-signals`), described apart from `database.ts` so the
 * feature owns its schema: queries use `ctx.db.withTables<SignalsTables>()`.
 */
export type SignalsTables = {
  ssf_streams: SsfStreamsTable;
  ssf_queued_sets: SsfQueuedSetsTable;
};

/** One SSF stream (signals-store.ts `StreamRecord`). */
export interface SsfStreamsTable {
  stream_id: string;
  owner_agent_id: string;
  /** JSON array of strings. */
  aud: string;
  /** JSON array of strings, or null. */
  events_requested: string | null;
  /** JSON array of strings. */
  events_delivered: string;
  delivery_method: string;
  endpoint_url: string | null;
  sealed_authorization_header: string | null;
  description: string | null;
  status: string;
  status_reason: string | null;
  created_at: number;
  updated_at: number;
  last_verification_at: number | null;
  last_seen_at: number;
  push_delivered: number;
  push_failed: number;
  last_push_at: number | null;
  last_push_error: string | null;
}

/** One queued SET (signals-store.ts `QueuedSet`). */
export interface SsfQueuedSetsTable {
  jti: string;
  stream_id: string;
  event_type: string;
  set_jwt: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
}
