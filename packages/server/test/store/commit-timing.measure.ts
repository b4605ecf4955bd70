/*
 * Not a test (vitest only runs *.test.ts): measures commitUnits, the group commit on the hot path
 * of POST /token (ARCHITECTURE.md, The request that matters). Run it with
 *   npx vitest run --config packages/server/test/store/measure.config.ts
 * It prints the median of 50 runs for batches of 1, 10 and 50 token units on SQLite
 * (synchronous=FULL, a file under the OS temp dir) and PostgreSQL (AGENTAUTH_TEST_POSTGRES_URL).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { openStore } from '../../src/store/sql/open-store.js';
import type { Store } from '../../src/store/store.js';
import { hashRecord, tokenUnit } from './fixtures.js';

const RUNS = 50;
const SIZES = [1, 10, 50];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(store: Store, label: string): Promise<void> {
  let n = 0;
  for (const size of SIZES) {
    const times: number[] = [];
    for (let run = 0; run < RUNS + 5; run++) {
      const units = Array.from({ length: size }, () => {
        n += 1;
        return tokenUnit('bench-agent', `bench:${n}`, `jti-${n}`);
      });
      const start = performance.now();
      const results = await store.commitUnits(units, hashRecord);
      const elapsed = performance.now() - start;
      expect(results.every((r) => r.ok)).toBe(true);
      if (run >= 5) times.push(elapsed);
    }
    console.log(`${label} commitUnits x${size}: median ${median(times).toFixed(2)} ms (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})`);
  }
}

it('measures commitUnits on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-measure-'));
  try {
    const store = await openStore({ databaseUrl: undefined, dataDir: dir });
    await measure(store, 'sqlite');
    // How long the event loop is blocked: better-sqlite3 is synchronous and every step of the
    // transaction resolves at once, so a timer cannot run until commitUnits is done.
    const lags: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let fired = 0;
      const armed = performance.now();
      const timer = new Promise<void>((resolve) => setImmediate(() => ((fired = performance.now()), resolve())));
      await store.commitUnits([tokenUnit('bench-agent', `lag:${run}`, `lag-${run}`)], hashRecord);
      await timer;
      lags.push(fired - armed);
    }
    console.log(`sqlite event loop blocked by commitUnits x1: median ${median(lags).toFixed(2)} ms`);
    await store.close();

    const raw = new BetterSqlite3(join(dir, 'agentauth.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    const commits: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      raw.exec('begin immediate');
      raw.prepare('insert into replay_claims (key, expires_at) values (?, ?)').run(`raw:${run}`, 0);
      const start = performance.now();
      raw.exec('commit');
      commits.push(performance.now() - start);
    }
    raw.close();
    console.log(`sqlite bare COMMIT (WAL fsync, synchronous=FULL): median ${median(commits).toFixed(2)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('measures commitUnits on PostgreSQL', async () => {
  const adminUrl = process.env['AGENTAUTH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const database = `agentauth_measure_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const store = await openStore({ databaseUrl: url.toString(), dataDir: '/nonexistent' });
    await measure(store, 'postgres');
    await store.close();
  } finally {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
});
