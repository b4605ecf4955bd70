import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, runMigrations } from '../../src/store/sql/open-store.js';
import { migrations } from '../../src/store/sql/migrations/migration-list.js';
import { expectSigningKeySlotsRenamed, expectStreamLastSeenAdded } from './migration-steps.js';
import { storeContract } from './store-contract.js';

/*
 * PostgreSQL is required here, never skipped: CI starts it. Each run creates its own database, so
 * parallel runs never collide, and drops it afterwards.
 */
const ADMIN_URL = process.env['AGENTAUTH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `agentauth_test_${randomBytes(6).toString('hex')}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${database}`;
const databaseUrl = url.toString();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is required for this test and is unreachable at ${ADMIN_URL} (set AGENTAUTH_TEST_POSTGRES_URL): ${String(error)}`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin((c) => c.query(`create database ${database}`)));
afterAll(() => admin((c) => c.query(`drop database if exists ${database} with (force)`)));

describe('PostgreSQL store', () => {
  it('migrates a fresh database once', async () => {
    expect(await runMigrations({ databaseUrl, dataDir: '/nonexistent' })).toEqual(Object.keys(migrations).sort());
    expect(await runMigrations({ databaseUrl, dataDir: '/nonexistent' })).toEqual([]);
  });

  it('reads int8 columns as numbers without changing pg’s global parser', async () => {
    const store = await openStore({ databaseUrl, dataDir: '/nonexistent' });
    try {
      expect(store.dialect).toBe('postgres');
      expect(await store.agentsChangeCounter()).toBeTypeOf('number');
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ n: unknown }>('select 1::int8 as n');
      await client.end();
      expect(rows[0]?.n).toBe('1');
    } finally {
      await store.close();
    }
  });

  it('0012 renames the stored signing key slots to prepared, active and old, and goes down and up again', async () => {
    const upgraded = `${database}_0012`;
    await admin((c) => c.query(`create database ${upgraded}`));
    const at = new URL(ADMIN_URL);
    at.pathname = `/${upgraded}`;
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: at.toString(), max: 1 }) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      await expectSigningKeySlotsRenamed(db);
    } finally {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${upgraded} with (force)`));
    }
  });

  it('0014 counts every stream as seen when it was last updated, and goes down and up again', async () => {
    const upgraded = `${database}_0014`;
    await admin((c) => c.query(`create database ${upgraded}`));
    const at = new URL(ADMIN_URL);
    at.pathname = `/${upgraded}`;
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: at.toString(), max: 1 }) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      await expectStreamLastSeenAdded(db);
    } finally {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${upgraded} with (force)`));
    }
  });
});

describe('PostgreSQL store contract', () => {
  storeContract(() => openStore({ databaseUrl, dataDir: '/nonexistent' }));
});
