import { spawn } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/sql/migrations/migration-list.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { TEST_MASTER_KEY } from '../support/test-server.js';
import { createServerHome, removeServerHome, SERVER_BIN, startServer, type RunningServer, type ServerHome } from './support/server-process.js';

/** Another valid master key: what a node given the wrong secret would have. */
const OTHER_MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
const ISSUER = 'http://127.0.0.1:7001';
const OTHER_ISSUER = 'http://127.0.0.1:7002';
const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) as string;
const FUTURE_MIGRATION = '9999-from-a-newer-version';

/** `agentauth-server <command>` on `home`, run to its exit: the status and everything it printed. */
function runToExit(home: ServerHome, command: string, env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
  const child = spawn(process.execPath, [SERVER_BIN, command], {
    cwd: home.dataDir,
    env: {
      ...clean,
      AGENTAUTH_PORT: String(home.port),
      AGENTAUTH_DATA_DIR: home.dataDir,
      AGENTAUTH_BOOTSTRAP_TOKEN: 'test-bootstrap-token-0123456789abcdefghijklmnop',
      AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
      AGENTAUTH_LOG_LEVEL: 'warn',
      AGENTAUTH_MTLS_PORT: '0',
      ...(home.databaseUrl === undefined ? {} : { AGENTAUTH_DATABASE_URL: home.databaseUrl }),
      ...home.env,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, output })));
}

/** The one line a refused start prints, checked for what the operator must read and never a key. */
function expectRefusal(result: { status: number | null; output: string }, ...fragments: string[]): void {
  expect(result.status, result.output).toBe(1);
  const line = result.output.split('\n').find((l) => l.startsWith('agentauth-server: cannot '));
  expect(line, result.output).toBeDefined();
  for (const fragment of fragments) expect(line).toContain(fragment);
  expect(result.output).not.toContain(OTHER_MASTER_KEY);
  expect(result.output).not.toContain(TEST_MASTER_KEY.toString('base64'));
}

describe('nodes sharing one PostgreSQL database must agree (real processes)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let first: RunningServer | undefined;
  const homes: ServerHome[] = [];
  const home = async (env: Record<string, string> = {}) => {
    const created = await createServerHome({ databaseUrl: database.url, env: { AGENTAUTH_ISSUER: ISSUER, ...env } });
    homes.push(created);
    return created;
  };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    first = await startServer(await home());
  }, 120_000);
  afterAll(async () => {
    await first?.stop();
    for (const created of homes) await removeServerHome(created);
    await database?.drop();
  }, 60_000);

  it('refuses a second node with another master key, naming the setting and never a key; the first keeps serving', async () => {
    const refused = await runToExit(await home({ AGENTAUTH_MASTER_KEY: OTHER_MASTER_KEY }), 'start');
    expectRefusal(refused, 'different master key', 'AGENTAUTH_MASTER_KEY');
    expect((await fetch(`${homes[0]?.url}/readyz`)).status).toBe(200);
  }, 120_000);

  it('refuses a second node with another issuer, naming both issuers', async () => {
    const refused = await runToExit(await home({ AGENTAUTH_ISSUER: OTHER_ISSUER }), 'start');
    expectRefusal(refused, OTHER_ISSUER, ISSUER, 'AGENTAUTH_ISSUER', 'adopt-issuer');
  }, 120_000);

  it('starts a second node that agrees, beside the first', async () => {
    const second = await startServer(await home());
    await second.stop();
  }, 120_000);

  it('moves every node to a new issuer only through adopt-issuer; a node left on the old one is then refused', async () => {
    await first?.stop();
    first = undefined;
    const moved = await home({ AGENTAUTH_ISSUER: OTHER_ISSUER });
    expect((await runToExit(moved, 'adopt-issuer')).status).toBe(0);
    const node = await startServer(moved);
    try {
      expectRefusal(await runToExit(await home(), 'start'), ISSUER, OTHER_ISSUER);
    } finally {
      await node.stop();
    }
  }, 180_000);
});

describe('a database migrated by a newer version is refused', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  const homes: ServerHome[] = [];
  afterEach(async () => {
    for (const created of homes.splice(0)) await removeServerHome(created);
    await database?.drop();
    database = undefined;
  }, 60_000);

  it('on PostgreSQL: start and migrate exit 1 naming the unknown migration and this build\'s latest', async () => {
    database = await createPostgresDatabase();
    const created = await createServerHome({ databaseUrl: database.url });
    homes.push(created);
    expect((await runToExit(created, 'migrate')).status).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('insert into kysely_migration (name, timestamp) values ($1, $2)', [FUTURE_MIGRATION, new Date().toISOString()]);
    await client.end();
    expectRefusal(await runToExit(created, 'start'), 'migrated by a newer agentauth', FUTURE_MIGRATION, LATEST_MIGRATION, 'version 0.');
    expectRefusal(await runToExit(created, 'migrate'), FUTURE_MIGRATION, LATEST_MIGRATION);
  }, 180_000);

  it('on SQLite: start exits 1 naming the unknown migration and this build\'s latest', async () => {
    const created = await createServerHome();
    homes.push(created);
    expect((await runToExit(created, 'migrate')).status).toBe(0);
    const db = new BetterSqlite3(join(created.dataDir, 'agentauth.db'));
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(FUTURE_MIGRATION, new Date().toISOString());
    db.close();
    expectRefusal(await runToExit(created, 'start'), 'migrated by a newer agentauth', FUTURE_MIGRATION, LATEST_MIGRATION);
  }, 180_000);
});

describe('one SQLite server: a master key that is not the database\'s own is refused', () => {
  let created: ServerHome;
  beforeAll(async () => {
    created = await createServerHome();
  });
  afterAll(async () => {
    await removeServerHome(created);
  });

  it('a restart with another key exits 1 naming the setting; the right key starts again', async () => {
    await (await startServer(created)).stop();
    expectRefusal(await runToExit(created, 'start', { AGENTAUTH_MASTER_KEY: OTHER_MASTER_KEY }), 'different master key');
    await (await startServer(created)).stop();
  }, 180_000);

  it('on a database of an earlier version (no check value), a wrong key records nothing; the right one records its own', async () => {
    const checkValue = () => {
      const db = new BetterSqlite3(join(created.dataDir, 'agentauth.db'));
      try {
        return (db.prepare("select value from settings where name = 'master_key_check'").get() as { value: string } | undefined)?.value;
      } finally {
        db.close();
      }
    };
    const recorded = checkValue();
    expect(recorded).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const db = new BetterSqlite3(join(created.dataDir, 'agentauth.db'));
    db.prepare("delete from settings where name = 'master_key_check'").run();
    db.close();
    const wrong = await runToExit(created, 'start', { AGENTAUTH_MASTER_KEY: OTHER_MASTER_KEY });
    expect(wrong.status, wrong.output).toBe(1);
    expect(wrong.output).not.toContain(OTHER_MASTER_KEY);
    expect(checkValue()).toBeUndefined();
    await (await startServer(created)).stop();
    expect(checkValue()).toBe(recorded);
  }, 180_000);
});
