/**
 * What one node tells the others through Redis pub/sub when it has committed a change they hold
 * in memory (docs/operations.md, "Several nodes"). A message names what changed by id only, never
 * a token, secret or key: anyone who can read the channel learns no more than that something
 * changed, and anyone who can write to it can only make nodes reload from the database sooner.
 *
 * - `agent_changed`: an agent's status, credentials or registration changed (suspension,
 *   deletion, a key or secret added or removed): drop it from the agents cache.
 * - `signing_keys_changed`: a signing key was created, activated, retired or removed: reload the
 *   key ring.
 * - `sets_queued`: security event tokens were queued on these streams (a revocation, RFC 8936):
 *   wake the long polls held on them.
 * - `certificates_revoked`: a certificate was revoked: reload the revoked serials.
 */
export type FanOutMessage =
  | { kind: 'agent_changed'; agentId: string }
  | { kind: 'signing_keys_changed' }
  | { kind: 'sets_queued'; streamIds: readonly string[] }
  | { kind: 'certificates_revoked' };

/** A message as it travels: who sent it, so a node skips its own. */
export interface FanOutEnvelope {
  /** The sending node's random id, fresh at every start. */
  from: string;
  message: FanOutMessage;
}

/** Longest id a message may carry (agent and stream ids are far shorter). */
const MAX_ID_LENGTH = 200;
/** Most stream ids in one `sets_queued` (a revocation queues on every stream that asked; more are sent in several messages). */
export const MAX_STREAM_IDS = 100;
/** Longest message read off the channel; anything longer is ignored unparsed. */
const MAX_MESSAGE_LENGTH = 8 * 1024;

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;

/** The wire form: `{"v":1,"from":...,"kind":...}` plus the kind's ids. */
export function encodeFanOut(envelope: FanOutEnvelope): string {
  return JSON.stringify({ v: 1, from: envelope.from, ...envelope.message });
}

/**
 * Reads one message off the channel. Undefined for anything malformed, oversized, of another
 * version or of an unknown kind: such a message is ignored (the poll still catches what it may
 * have meant), never thrown on.
 */
export function decodeFanOut(raw: string): FanOutEnvelope | undefined {
  if (raw.length > MAX_MESSAGE_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  if (fields.v !== 1 || !isId(fields.from)) return undefined;
  const from = fields.from;
  switch (fields.kind) {
    case 'agent_changed':
      return isId(fields.agentId) ? { from, message: { kind: 'agent_changed', agentId: fields.agentId } } : undefined;
    case 'signing_keys_changed':
      return { from, message: { kind: 'signing_keys_changed' } };
    case 'certificates_revoked':
      return { from, message: { kind: 'certificates_revoked' } };
    case 'sets_queued': {
      const ids = fields.streamIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_STREAM_IDS || !ids.every(isId)) return undefined;
      return { from, message: { kind: 'sets_queued', streamIds: ids } };
    }
    default:
      return undefined;
  }
}
