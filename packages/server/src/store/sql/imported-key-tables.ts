import type { KeyUsageColumns } from './key-usage-queries.js';

/**
 * The imported key table (migration `0024-imported-keys`), described apart from `database.ts` so
 * the feature owns its schema.
 */
export type ImportedKeyTables = {
  imported_keys: ImportedKeysTable;
};

/** One imported key (imported-key-store.ts `ImportedKeyRecord`); JSON columns are text (`json.ts`). */
export interface ImportedKeysTable extends KeyUsageColumns {
  key_digest: string;
  agent_id: string;
  owner: string;
  scopes: string;
  resources: string;
  labels: string;
  imported_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
}
