/**
 * The managed API key table (migration `0021-api-keys`), described apart from `database.ts` so
 * the feature owns its schema.
 */
export type ApiKeyTables = {
  api_keys: ApiKeysTable;
};

/** One managed API key (api-key-store.ts `ApiKeyRecord`); JSON columns are text (`json.ts`). */
export interface ApiKeysTable {
  id: string;
  key_hash: string;
  agent_id: string;
  owner: string;
  scopes: string;
  resources: string;
  labels: string;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  replaces_id: string | null;
  last_used_at: number | string | null;
  use_count: number | string;
  source_addresses: string;
}
