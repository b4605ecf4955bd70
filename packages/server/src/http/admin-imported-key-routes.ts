import { ImportedKey, ImportedKeyList, ImportedKeyParams, importedKeyToJson, ImportKeysRequest, ListImportedKeysQuery } from '../admin/wire/imported-key.js';
import type { Clock } from '../clock.js';
import type { ImportedKeyService } from '../imported-keys/imported-key-service.js';
import { adminRoute, type AdminRoute } from './admin-route.js';

/** Keys listed when the caller names no limit. */
const DEFAULT_LIST_LIMIT = 100;
/** A batch of 1000 lines with scopes, resources and labels: well past the usual 64 KiB. */
const IMPORT_BODY_LIMIT = 1024 * 1024;

/**
 * The admin API of imported third-party keys (docs/admin-api.md, "Imported keys"): import a batch
 * of digests all or nothing, list, show, revoke. No answer ever carries a digest.
 */
export function importedKeyRoutes(service: ImportedKeyService, clock: Clock): AdminRoute[] {
  return [
    adminRoute({
      method: 'POST',
      url: '/imported-keys/import',
      operationId: 'importKeys',
      summary: 'Import third-party keys by SHA-256, all or nothing; a refusal lists every line at fault.',
      schema: { body: ImportKeysRequest },
      bodyLimit: IMPORT_BODY_LIMIT,
      success: { status: 201, schema: ImportedKeyList },
      authenticated: true,
      handler: async ({ body }, reply, ctx) => {
        const records = await service.import(body.keys, ctx.audit);
        reply.code(201);
        const now = clock.now();
        return { items: records.map((record) => importedKeyToJson(record, now)) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/imported-keys',
      operationId: 'listImportedKeys',
      summary: 'List imported keys, oldest first, of one agent or all, with their usage.',
      schema: { querystring: ListImportedKeysQuery },
      success: { status: 200, schema: ImportedKeyList },
      authenticated: true,
      handler: async ({ query }) => {
        const items = await service.list(query.agent_id, query.limit ?? DEFAULT_LIST_LIMIT);
        const now = clock.now();
        return { items: items.map((record) => importedKeyToJson(record, now)) };
      },
    }),
    adminRoute({
      method: 'GET',
      url: '/imported-keys/:key_id',
      operationId: 'getImportedKey',
      summary: 'Show one imported key and its usage.',
      schema: { params: ImportedKeyParams },
      success: { status: 200, schema: ImportedKey },
      authenticated: true,
      handler: async ({ params }) => importedKeyToJson(await service.get(params.key_id), clock.now()),
    }),
    adminRoute({
      method: 'POST',
      url: '/imported-keys/:key_id/revoke',
      operationId: 'revokeImportedKey',
      summary: 'Revoke an imported key at once: services are told it is inactive.',
      schema: { params: ImportedKeyParams },
      bodyOptional: true,
      success: { status: 200, schema: ImportedKey },
      authenticated: true,
      handler: async ({ params }, _reply, ctx) => importedKeyToJson(await service.revoke(params.key_id, ctx.audit), clock.now()),
    }),
  ];
}
