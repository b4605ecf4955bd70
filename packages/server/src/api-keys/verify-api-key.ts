import { apiKeyFormatFault } from '@agentauth/protocol';
import type { ApiKeyRecord, ApiKeyStore } from '../store/ports/api-key-store.js';
import { apiKeyHash, sameDigest } from './api-key-hash.js';

/** A presented key's verdict; `reason` is for the log and audit record only, never the caller. */
export type ApiKeyVerdict = { ok: true; record: ApiKeyRecord } | { ok: false; reason: string; record?: ApiKeyRecord };

/**
 * Checks a presented managed key (docs/migration.md): its shape and checksum first, so a
 * malformed, truncated or mistyped key is refused without a database lookup; then the stored
 * record by SHA-256, compared again in constant time; then that it is neither revoked nor expired
 * at `now`. Does NOT check the agent's standing, the resource or the scope: the caller does.
 */
export async function verifyApiKey(store: Pick<ApiKeyStore, 'findApiKeyByHash'>, presented: string, now: number): Promise<ApiKeyVerdict> {
  const fault = apiKeyFormatFault(presented);
  if (fault !== undefined) return { ok: false, reason: fault === 'checksum' ? 'API key checksum fails' : 'malformed API key' };
  const digest = apiKeyHash(presented);
  const record = await store.findApiKeyByHash(digest);
  if (record === undefined || !sameDigest(digest, record.keyHash)) return { ok: false, reason: 'unknown API key' };
  if (record.revokedAt !== null) return { ok: false, reason: `API key ${record.id} is revoked`, record };
  if (record.expiresAt <= now) return { ok: false, reason: `API key ${record.id} expired`, record };
  return { ok: true, record };
}
