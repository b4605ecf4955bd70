import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/store/ports/storage-unavailable-error.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { openDatabase, type OpenDatabase } from '../../src/store/sql/open-database.js';
import { READINESS_PROBE_SETTING, StorageHealth } from '../../src/store/sql/storage-health.js';

describe('StorageHealth: what /readyz knows of the store', () => {
  let dir: string;
  let opened: OpenDatabase;
  let health: StorageHealth;
  const probeRow = async () => (await opened.ctx.db.selectFrom('settings').select('value').where('name', '=', READINESS_PROBE_SETTING).executeTakeFirst())?.value;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentauth-health-'));
    opened = openDatabase({ databaseUrl: undefined, dataDir: join(dir, 'data') });
    await migrateToLatest(opened.ctx.db);
    health = new StorageHealth(opened.ctx);
  });

  afterEach(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('only reads while writes work', async () => {
    await health.probe();
    await health.probe();
    expect(await probeRow()).toBeUndefined();
  });

  it('after a failed write, probes with a write of its own until one succeeds, then reads again', async () => {
    health.failed();
    await health.probe();
    expect(await probeRow()).toBe('1');
    await health.probe();
    expect(await probeRow()).toBe('1');
  });

  it('a successful group commit clears the failure: no probe write is needed', async () => {
    health.failed();
    health.wrote();
    await health.probe();
    expect(await probeRow()).toBeUndefined();
  });

  it('is not ready when another store call fails while it probes, and says so again until a write succeeds', async () => {
    const probing = health.probe();
    health.failed();
    await expect(probing).rejects.toBeInstanceOf(StorageUnavailableError);
    const before = await probeRow();
    await health.probe();
    const after = await probeRow();
    expect(after).not.toBe(before);
    // Writes work again: the next probe only reads.
    await health.probe();
    expect(await probeRow()).toBe(after);
  });

  it('shares one probe between concurrent callers', async () => {
    health.failed();
    const [a, b] = [health.probe(), health.probe()];
    expect(a).toBe(b);
    await a;
    expect(await probeRow()).toBe('1');
  });

  it('rejects with StorageUnavailableError when the database is gone', async () => {
    await opened.close();
    await expect(health.probe()).rejects.toBeInstanceOf(StorageUnavailableError);
    opened = openDatabase({ databaseUrl: undefined, dataDir: join(dir, 'data') });
  });
});
