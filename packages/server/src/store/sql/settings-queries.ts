import type { SqlContext } from './sql-context.js';

/** `SettingsStore.getSetting`. */
export async function getSetting(ctx: SqlContext, name: string): Promise<string | undefined> {
  const row = await ctx.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

/** `SettingsStore.insertSettingIfAbsent`. */
export async function insertSettingIfAbsent(ctx: SqlContext, name: string, value: string): Promise<boolean> {
  return ctx.write(async (db) => {
    const inserted = await db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .execute();
    return inserted.length === 1;
  });
}
