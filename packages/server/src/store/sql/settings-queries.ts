import type { SettingsStore } from '../ports/settings-store.js';
import type { SqlContext } from './sql-context.js';

/** `SettingsStore` over Kysely, for SQLite and PostgreSQL alike. */
export function sqlSettingsStore(ctx: SqlContext): SettingsStore {
  return {
    async getSetting(name: string): Promise<string | undefined> {
      const row = await ctx.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
      return row?.value;
    },

    async insertSettingIfAbsent(name: string, value: string): Promise<boolean> {
      return ctx.write(async (db) => {
        const inserted = await db
          .insertInto('settings')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('name')
          .execute();
        return inserted.length === 1;
      });
    },

    async putSetting(name: string, value: string): Promise<void> {
      await ctx.write(async (db) => {
        await db
          .insertInto('settings')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
          .execute();
      });
    },
  };
}
