import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, runMigrations } from '../../src/store/sql/open-store.js';
import { migrations } from '../../src/store/sql/migrations/migration-list.js';
import { T0, audit, chainDefects, hashRecord, newAgent, readChain } from './fixtures.js';
import { expectSigningKeySlotsRenamed, expectStreamLastSeenAdded, migratorUntil } from './migration-steps.js';
import { storeContract } from './store-contract.js';

/**
 * Another process writing to the same file: it takes SQLite's write lock over and over, holding it
 * a few milliseconds each time, for `ms` milliseconds.
 */
function startRivalWriter(file: string, ms: number) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.env.DB_FILE);
    db.pragma('busy_timeout = 5000');
    const end = Date.now() + Number(process.env.RIVAL_MS);
    process.stdout.write('ready\\n');
    while (Date.now() < end) {
      db.exec('begin immediate');
      db.prepare('update agents_change set counter = counter + 1 where id = 1').run();
      for (const until = Date.now() + 3; Date.now() < until;) {}
      db.exec('commit');
      for (const until = Date.now() + 1; Date.now() < until;) {}
    }
    db.close();`;
  return spawn(process.execPath, ['-e', script], { env: { ...process.env, DB_FILE: file, RIVAL_MS: String(ms) }, stdio: ['ignore', 'pipe', 'inherit'] });
}

const root = mkdtempSync(join(tmpdir(), 'agentauth-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh SQLite file in `root/dir`, and a migrator that applies the migrations up to `last`. */
function migrationDatabase(dir: string) {
  mkdirSync(join(root, dir), { recursive: true });
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(join(root, dir, 'agentauth.db')) }) }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { db, until: migratorUntil(db) };
}

describe('SQLite store contract', () => {
  // The directory does not exist yet: the store creates it.
  storeContract(() => openStore({ databaseUrl: undefined, dataDir: join(root, 'contract', 'data') }));
});

describe('SQLite store contract, group commit on its own thread (as the server runs it)', () => {
  storeContract(() => openStore({ databaseUrl: undefined, dataDir: join(root, 'contract-thread', 'data'), commitThread: true }));

  it('refuses a hash function other than the audit log\'s, since the thread cannot run it', async () => {
    const store = await openStore({ databaseUrl: undefined, dataDir: join(root, 'thread-hash', 'data'), commitThread: true });
    try {
      await expect(store.commitUnits([{ claims: [], audit: [], issuedTokens: [], onReplay: [] }], () => 'x')).rejects.toThrow(TypeError);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite group commit thread and the main thread\u2019s writes', () => {
  it('a main-thread write waits for the batch in flight without stopping the event loop', async () => {
    const dataDir = join(root, 'thread-gate', 'data');
    const store = await openStore({ databaseUrl: undefined, dataDir, commitThread: true });
    const probe = new BetterSqlite3(join(dataDir, 'agentauth.db'));
    probe.pragma('busy_timeout = 0');
    const writeLockHeld = () => {
      try {
        probe.exec('begin immediate');
        probe.exec('rollback');
        return false;
      } catch {
        return true;
      }
    };
    try {
      await store.createAgent(newAgent('agt_gate'), [], T0);
      // A batch large enough to hold the commit thread's write lock for a long while.
      const units = Array.from({ length: 40_000 }, (_, i) => ({
        claims: [{ key: `gate-${i}`, expiresAt: T0 + 60_000 }],
        audit: [audit('agt_gate', { details: { jti: `gate-${i}` } })],
        issuedTokens: [],
        onReplay: [],
      }));
      const batch = store.commitUnits(units, hashRecord);
      let batchDone = false;
      void batch.then(
        () => (batchDone = true),
        () => (batchDone = true),
      );
      while (!batchDone && !writeLockHeld()) await new Promise((resolve) => setTimeout(resolve, 1));
      expect(writeLockHeld()).toBe(true);

      // Turns of the event loop that ran a timer while the write waited and the commit thread still
      // held the lock. Ungated, the write sleeps in SQLite's busy handler on this thread until the
      // batch commits, and no timer runs in between: none. Gated, it waits for the batch
      // asynchronously, and the loop keeps turning. Counted, not timed.
      let touchDone = false;
      const touched = store.touchAgents(new Map([['agt_gate', T0 + 1]])).finally(() => (touchDone = true));
      let turnsWhileWaiting = 0;
      const ticker = setInterval(() => {
        if (!touchDone && writeLockHeld()) turnsWhileWaiting += 1;
      }, 1);
      const results = await batch;
      await touched;
      clearInterval(ticker);

      expect(results.every((r) => r.ok)).toBe(true);
      expect((await store.getAgent('agt_gate'))?.lastSeenAt).toBe(T0 + 1);
      expect(turnsWhileWaiting).toBeGreaterThan(0);
    } finally {
      probe.close();
      await store.close();
    }
  });
});

describe('SQLite store files', () => {
  it('creates the data directory owner-only, in WAL mode with full sync and foreign keys', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const logged: string[] = [];
    const store = await openStore({ databaseUrl: undefined, dataDir, logger: { info: (m) => logged.push(m) } });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(logged).toEqual(Object.keys(migrations).sort().map((name) => `applied database migration ${name}`));
      const raw = new BetterSqlite3(join(dataDir, 'agentauth.db'), { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
      expect(store.dialect).toBe('sqlite');
    } finally {
      await store.close();
    }
  });

  it('migrates once: runMigrations reports what it applied, then nothing', async () => {
    const dataDir = join(root, 'migrate');
    expect(await runMigrations({ databaseUrl: undefined, dataDir })).toEqual(Object.keys(migrations).sort());
    expect(await runMigrations({ databaseUrl: undefined, dataDir })).toEqual([]);
    const store = await openStore({ databaseUrl: undefined, dataDir, migrate: false });
    await expect(store.agentsChangeCounter()).resolves.toBe(0);
    await store.close();
  });

  it('0010 upgrades a 0009 database with its tokens in place, and goes down and up again', async () => {
    const { db, until } = migrationDatabase('upgrade-0010');
    try {
      expect((await until('0009-ca-revocations').migrateToLatest()).error).toBeUndefined();
      await db.insertInto('issued_tokens').values({ jti: 'old-jti', agent_id: 'agt_x', client_id: 'agt_x', issued_at: T0, expires_at: T0 + 300_000, parent_jti: null }).execute();
      const indexes = async () => (await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'index' and tbl_name = 'issued_tokens' and sql is not null order by name`.execute(db)).rows;
      const before = await indexes();

      const migrator = until('0010-issued-token-digest');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await db.selectFrom('issued_tokens').selectAll().execute()).toEqual([
        { jti: 'old-jti', agent_id: 'agt_x', client_id: 'agt_x', issued_at: T0, expires_at: T0 + 300_000, parent_jti: null, token_digest: null },
      ]);
      const after = await indexes();
      expect(after.map((i) => i.name)).toEqual(['issued_tokens_client_idx', 'issued_tokens_expires_idx', 'issued_tokens_parent_idx']);
      for (const index of after.filter((i) => i.name !== 'issued_tokens_expires_idx')) expect(index.sql).toMatch(/where "parent_jti" is not null$/i);

      expect((await migrator.migrateDown()).error).toBeUndefined();
      expect(await indexes()).toEqual(before);
      expect(Object.keys((await db.selectFrom('issued_tokens').selectAll().executeTakeFirstOrThrow()) as object)).not.toContain('token_digest');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await indexes()).toEqual(after);
    } finally {
      await db.destroy();
    }
  });

  it('0011 rekeys replay claims by (expires_at, key) with their rows, and goes down and up again', async () => {
    const { db, until } = migrationDatabase('upgrade-0011');
    const claims = () => db.selectFrom('replay_claims').select(['key', 'expires_at']).orderBy('key').orderBy('expires_at').execute();
    try {
      expect((await until('0010-issued-token-digest').migrateToLatest()).error).toBeUndefined();
      await db.insertInto('replay_claims').values([{ key: 'assertion:a:1', expires_at: T0 + 2 }, { key: 'dpop:k:1', expires_at: T0 + 1 }]).execute();

      const migrator = until('0011-replay-claim-expiry-key');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await claims()).toEqual([{ key: 'assertion:a:1', expires_at: T0 + 2 }, { key: 'dpop:k:1', expires_at: T0 + 1 }]);
      // Claimed before the upgrade, still refused after it; the same key with another expiry is another claim.
      const claim = (key: string, expiresAt: number) => sql`insert into replay_claims (expires_at, key) values (${expiresAt}, ${key}) on conflict do nothing`.execute(db);
      expect(Number((await claim('dpop:k:1', T0 + 1)).numAffectedRows)).toBe(0);
      expect(Number((await claim('dpop:k:1', T0 + 5)).numAffectedRows)).toBe(1);
      const tableSql = async () => (await sql<{ sql: string }>`select group_concat(sql, ';') as sql from sqlite_master where tbl_name = 'replay_claims' and sql is not null`.execute(db)).rows[0]?.sql;
      expect(await tableSql()).toMatch(/primary key \("expires_at", "key"\)/i);
      expect(await tableSql()).not.toMatch(/create index/i);

      // Down: one row per key, the latest expiry kept.
      expect((await migrator.migrateDown()).error).toBeUndefined();
      expect(await claims()).toEqual([{ key: 'assertion:a:1', expires_at: T0 + 2 }, { key: 'dpop:k:1', expires_at: T0 + 5 }]);
      expect(await tableSql()).toMatch(/replay_claims_expires_idx/);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await claims()).toEqual([{ key: 'assertion:a:1', expires_at: T0 + 2 }, { key: 'dpop:k:1', expires_at: T0 + 5 }]);
    } finally {
      await db.destroy();
    }
  });

  it('0012 renames the stored signing key slots to prepared, active and old, and goes down and up again', async () => {
    const { db } = migrationDatabase('upgrade-0012');
    try {
      await expectSigningKeySlotsRenamed(db);
    } finally {
      await db.destroy();
    }
  });

  it('0014 counts every stream as seen when it was last updated, and goes down and up again', async () => {
    const { db } = migrationDatabase('upgrade-0014');
    try {
      await expectStreamLastSeenAdded(db);
    } finally {
      await db.destroy();
    }
  });

  it('without migrating, a fresh database has no schema', async () => {
    const store = await openStore({ databaseUrl: undefined, dataDir: join(root, 'bare'), migrate: false });
    await expect(store.agentsChangeCounter()).rejects.toThrow(/no such table/);
    await store.close();
  });

  it('waits for another process holding the write lock, and never forks the chain', async () => {
    const dataDir = join(root, 'rival');
    const store = await openStore({ databaseUrl: undefined, dataDir });
    try {
      await store.createAgent(newAgent('rival-agent'), [], T0);
      const counterBefore = await store.agentsChangeCounter();
      const rival = startRivalWriter(join(dataDir, 'agentauth.db'), 1500);
      // Listen for the exit now: on a busy machine the rival may be gone before our writes are done.
      const exited = once(rival, 'exit');
      await once(rival.stdout, 'data');
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        // Claim-less batches and read-then-write updates both start by reading, then write.
        work.push(store.commitUnits([{ claims: [], audit: [audit('rival-agent'), audit('rival-agent')], issuedTokens: [], onReplay: [] }], hashRecord));
        work.push(store.updateAgent('rival-agent', { description: `update ${i}` }, T0 + i));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(work);
      const [exitCode] = (await exited) as [number];
      expect(exitCode).toBe(0);
      const chain = await readChain(store);
      expect(chain).toHaveLength(80);
      expect(chainDefects(chain)).toEqual([]);
      expect((await store.getAgent('rival-agent'))?.version).toBe(41);
      // The rival really wrote meanwhile: the lock was contended.
      expect((await store.agentsChangeCounter()) - counterBefore).toBeGreaterThan(40 + 10);
    } finally {
      await store.close();
    }
  });

  it('refuses a database URL it does not support', async () => {
    await expect(openStore({ databaseUrl: 'mysql://localhost/x', dataDir: join(root, 'x') })).rejects.toBeInstanceOf(TypeError);
  });

  it('two stores opening the same new file at once both come up migrated', async () => {
    const dataDir = join(root, 'race');
    const stores = await Promise.all([openStore({ databaseUrl: undefined, dataDir }), openStore({ databaseUrl: undefined, dataDir })]);
    for (const s of stores) await expect(s.agentsChangeCounter()).resolves.toBe(0);
    await Promise.all(stores.map((s) => s.close()));
  });
});
