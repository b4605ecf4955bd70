import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts). Signing keys take the slot names issuing CAs already had
 * (SPIRE's, `prepared` -> `active` -> `old`), so one vocabulary names one concept everywhere:
 * `signing_keys.state` `next` becomes `prepared` and `retired` becomes `old`; `active` stays. Only
 * stored values change, not the schema; the timestamps (`activated_at`, `retired_at`) keep their
 * meaning. A node still running the previous version reads neither new value: upgrade every node
 * sharing the database together.
 */

/** Renames the stored signing key slots. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.updateTable('signing_keys').set({ state: 'prepared' }).where('state', '=', 'next').execute();
  await db.updateTable('signing_keys').set({ state: 'old' }).where('state', '=', 'retired').execute();
}

/** Back to `next` and `retired`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.updateTable('signing_keys').set({ state: 'next' }).where('state', '=', 'prepared').execute();
  await db.updateTable('signing_keys').set({ state: 'retired' }).where('state', '=', 'old').execute();
}
