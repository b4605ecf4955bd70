import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/store/ports/storage-unavailable-error.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { openDatabase, type OpenDatabase } from '../../src/store/sql/open-database.js';
import { classifyStorageError } from '../../src/store/sql/storage-failure.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

/**
 * The moment a PostgreSQL restart under load catches by chance, made certain: the database goes
 * away while a pooled client is checked out, idle inside a write transaction (as the group
 * commit's is between two statements). node-postgres then emits 'error' on that client, which
 * ends the process unless someone listens; the pool only listens to idle clients.
 */
describe('a PostgreSQL connection lost while checked out in a write transaction', () => {
  let pg: PrivatePostgres;
  let opened: OpenDatabase;
  const lost: string[] = [];

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    opened = openDatabase({ databaseUrl: pg.url(), dataDir: '/nonexistent', logger: { info: () => undefined, warn: (message) => lost.push(message) } });
    await migrateToLatest(opened.ctx.db);
  }, 240_000);

  afterAll(async () => {
    await opened?.close();
    pg?.destroy();
  });

  it('neither ends the process nor commits anything; the pool reconnects once the database is back', async () => {
    const write = opened.ctx.write(async (db) => {
      await db.insertInto('settings').values({ name: 'first', value: '1' }).execute();
      pg.stop('fast');
      // The transaction cannot go on; before this statement fails, the client has emitted 'error'
      // for the connection it lost (and the process is still here to say so).
      await db.insertInto('settings').values({ name: 'second', value: '2' }).execute();
    });
    const failure = await write.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(classifyStorageError(failure)).toBeInstanceOf(StorageUnavailableError);
    expect(lost.join('\n')).toMatch(/postgres connection lost/);

    pg.start();
    const rows = await opened.ctx.db.selectFrom('settings').select('name').where('name', 'in', ['first', 'second']).execute();
    expect(rows).toEqual([]);
  }, 240_000);
});
