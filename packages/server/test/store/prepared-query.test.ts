import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sql/open-store.js';
import { preparedQuery } from '../../src/store/sql/prepared-query.js';
import { openDatabase, type OpenDatabase } from '../../src/store/sql/open-database.js';
import type { Store } from '../../src/store/store.js';
import { newAgent, T0 } from './fixtures.js';

describe('preparedQuery', () => {
  let root: string;
  let store: Store;
  let raw: OpenDatabase;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'agentauth-prepared-'));
    store = await openStore({ databaseUrl: undefined, dataDir: join(root, 'data') });
    await store.createAgent(newAgent('agt_one'), [], T0);
    await store.createAgent(newAgent('agt_two', { owner: 'team-b' }), [], T0);
    raw = openDatabase({ databaseUrl: undefined, dataDir: join(root, 'data') });
  });
  afterAll(async () => {
    await raw.close();
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs the compiled query again with each call\u2019s parameters, and keeps its constants', async () => {
    const byIdAndOwner = preparedQuery(2, (db, id, owner) => db.selectFrom('agents').select(['id', 'owner']).where('id', '=', id).where('owner', '=', owner).where('status', '=', 'active'));
    expect(await byIdAndOwner(raw.ctx, 'agt_one', newAgent('agt_one').owner)).toEqual([{ id: 'agt_one', owner: newAgent('agt_one').owner }]);
    expect(await byIdAndOwner(raw.ctx, 'agt_two', 'team-b')).toEqual([{ id: 'agt_two', owner: 'team-b' }]);
    expect(await byIdAndOwner(raw.ctx, 'agt_two', newAgent('agt_one').owner)).toEqual([]);
    // A value that looks like SQL is only ever a bound parameter.
    expect(await byIdAndOwner(raw.ctx, "agt_one' OR '1'='1", 'x')).toEqual([]);
  });

  it('refuses a query that would put a parameter into the SQL text, or leave one unused', async () => {
    const inlined = preparedQuery(1, (db, id) => db.selectFrom('agents').select('id').where('id', '=', sql.lit(id)));
    await expect(inlined(raw.ctx, 'agt_one')).rejects.toThrow(/compiled into the SQL text/);
    const unused = preparedQuery(2, (db, id) => db.selectFrom('agents').select('id').where('id', '=', id));
    await expect(unused(raw.ctx, 'agt_one', 'x')).rejects.toThrow(/1 of 2 parameters unused/);
    const byId = preparedQuery(1, (db, id) => db.selectFrom('agents').select('id').where('id', '=', id));
    await expect(byId(raw.ctx)).rejects.toThrow(/expected 1 parameters, got 0/);
  });
});
