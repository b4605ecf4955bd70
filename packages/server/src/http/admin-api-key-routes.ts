import type { ApiKeyService } from '../api-keys/api-key-service.js';
import { AgentParams } from '../admin/wire/agent.js';
import { ApiKey, ApiKeyList, ApiKeyParams, apiKeyToJson, CreateApiKeyRequest, CreatedApiKey, ListApiKeysQuery, RotateApiKeyRequest } from '../admin/wire/api-key.js';
import type { Clock } from '../clock.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** Keys listed when the caller names no limit. */
const DEFAULT_LIST_LIMIT = 100;

/**
 * The admin API of managed API keys (docs/admin-api.md, "API keys"): create, list, show, rotate
 * with an overlap window, revoke. The key is in the answer of create and rotate only.
 */
export function apiKeyRoutes(service: ApiKeyService, clock: Clock): AdminRoute[] {
  const created = (result: Awaited<ReturnType<ApiKeyService['create']>>) => ({ api_key: apiKeyToJson(result.record, clock.now()), key: result.key });
  return [
    adminRoute({
      method: 'POST',
      url: '/agents/:id/api-keys',
      operationId: 'createApiKey',
      summary: "Create a managed API key for the agent (shown once; SHA-256 only at rest; expiry mandatory).",
      schema: { params: AgentParams, body: CreateApiKeyRequest },
      success: { status: 201, schema: CreatedApiKey },
      authenticated: true,
      handler: async ({ params, body }, reply, ctx) => {
        const input = {
          ttlSeconds: body.ttl,
          ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
          ...(body.resources === undefined ? {} : { resources: body.resources }),
          ...(body.owner === undefined ? {} : { owner: body.owner }),
          ...(body.labels === undefined ? {} : { labels: body.labels }),
        };
        const result = await service.create(params.id, input, ctx.audit);
        reply.code(201);
        return created(result);
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/api-keys',
      operationId: 'listApiKeys',
      summary: 'List managed API keys, oldest first, of one agent or all, with their usage.',
      schema: { querystring: ListApiKeysQuery },
      success: { status: 200, schema: ApiKeyList },
      authenticated: true,
      handler: async ({ query }) => {
        const items = await service.list(query.agent_id, query.limit ?? DEFAULT_LIST_LIMIT);
        const now = clock.now();
        return { items: items.map((record) => apiKeyToJson(record, now)) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/api-keys/:key_id',
      operationId: 'getApiKey',
      summary: 'Show one managed API key and its usage.',
      schema: { params: ApiKeyParams },
      success: { status: 200, schema: ApiKey },
      authenticated: true,
      handler: async ({ params }) => apiKeyToJson(await service.get(params.key_id), clock.now()),
    }),
    adminRoute({
      method: 'POST',
      url: '/api-keys/:key_id/rotate',
      operationId: 'rotateApiKey',
      summary: 'Rotate a managed API key: a successor (shown once), the old key working for the overlap window.',
      schema: { params: ApiKeyParams, body: RotateApiKeyRequest },
      success: { status: 201, schema: CreatedApiKey },
      authenticated: true,
      handler: async ({ params, body }, reply, ctx) => {
        const result = await service.rotate(params.key_id, body.overlap, body.ttl, ctx.audit);
        reply.code(201);
        return created(result);
      },
    }),
    adminRoute({
      method: 'POST',
      url: '/api-keys/:key_id/revoke',
      operationId: 'revokeApiKey',
      summary: 'Revoke a managed API key at once.',
      schema: { params: ApiKeyParams },
      bodyOptional: true,
      success: { status: 200, schema: ApiKey },
      authenticated: true,
      handler: async ({ params }, _reply, ctx) => apiKeyToJson(await service.revoke(params.key_id, ctx.audit), clock.now()),
    }),
  ];
}
