import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.js';

/** The usage columns every kind of API key has (`api_keys`, `imported_keys`). */
export interface KeyUsageColumns {
  id: string;
  last_used_at: number | string | null;
  use_count: number | string;
  source_addresses: string;
}

/**
 * Counts one use of a key, in the caller's transaction: the count is incremented in the database
 * (concurrent uses are all counted), the last use set, and `sourceAddress` moved to the front of
 * the distinct list, which keeps at most `maxAddresses`. One rule for managed and imported keys.
 */
export async function recordKeyUse(db: Kysely<Record<string, KeyUsageColumns>>, table: string, id: string, now: number, sourceAddress: string | null, maxAddresses: number): Promise<void> {
  await db
    .updateTable(table)
    .set((eb) => ({ use_count: eb('use_count', '+', 1), last_used_at: now }))
    .where('id', '=', id)
    .execute();
  if (sourceAddress === null) return;
  const row = await db.selectFrom(table).select(['source_addresses']).where('id', '=', id).executeTakeFirst();
  if (row === undefined) return;
  const previous = fromJson<string[]>(row.source_addresses);
  const next = [sourceAddress, ...previous.filter((a) => a !== sourceAddress)].slice(0, maxAddresses);
  await db.updateTable(table).set({ source_addresses: toJson(next) }).where('id', '=', id).execute();
}
