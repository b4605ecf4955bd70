import type { ApiKeyService } from '../api-keys/api-key-service.js';
import { apiKeyToJson } from '../admin/wire/api-key.js';
import { ApiKeyLookup, LookupApiKeyRequest } from '../admin/wire/api-key-lookup.js';
import type { Clock } from '../clock.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/**
 * `POST /api-keys/lookup` (docs/admin-api.md, "API keys"): which managed key, if any, has this
 * SHA-256, and whether it is live, revoked or expired. `agentauth scan --verify` asks it of every
 * key it finds. The digest travels in the body, never in a URL that access logs would keep; the
 * route only reads, so auditors may call it (docs/people.md, "Roles"). An unknown digest is a
 * `200` with status `unknown`: a scanner's normal answer, not an error.
 */
export function apiKeyLookupRoutes(service: ApiKeyService, clock: Clock): AdminRoute[] {
  return [
    adminRoute({
      method: 'POST',
      url: '/api-keys/lookup',
      operationId: 'lookupApiKey',
      summary: 'Find a managed API key by its SHA-256: live, revoked, expired or unknown (for leak scanners).',
      schema: { body: LookupApiKeyRequest },
      success: { status: 200, schema: ApiKeyLookup },
      authenticated: true,
      handler: async ({ body }) => {
        const record = await service.findByDigest(body.key_sha256);
        if (record === undefined) return { status: 'unknown' as const };
        const json = apiKeyToJson(record, clock.now());
        return { status: json.status === 'active' ? ('live' as const) : json.status, api_key: json };
      },
    }),
  ];
}
