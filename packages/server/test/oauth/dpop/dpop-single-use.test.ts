import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { dpopSingleUseAuthority } from '../../../src/oauth/dpop/dpop-single-use-authority.js';
import { createServer } from '../../../src/main/create-server.js';
import { BOOTSTRAP_TOKEN, createAgent, startTestServer, TEST_MASTER_KEY, type TestAgent, type TestServer } from '../../support/test-server.js';
import { DPOP_ISSUER, dpopKey, proofFor, tokenRequest, type DpopTestKey } from './dpop-support.js';

/**
 * Who decides that a DPoP proof is used once (RFC 9449 §11.1, oauth/dpop/dpop-single-use-authority.ts): one process on
 * SQLite itself, in memory, handing its live proofs over at shutdown; the database, in the token's
 * group commit, wherever another process can issue tokens from the same store.
 */
describe('dpopSingleUseAuthority', () => {
  it('is the process for one process on SQLite, the database with --workers or PostgreSQL', () => {
    expect(dpopSingleUseAuthority({ databaseUrl: undefined, workers: 1 })).toBe('process');
    expect(dpopSingleUseAuthority({ databaseUrl: undefined, workers: 2 })).toBe('database');
    expect(dpopSingleUseAuthority({ databaseUrl: 'postgres://db/agentauth', workers: 1 })).toBe('database');
  });
});

describe('DPoP single use, one process on SQLite', () => {
  let dataDir: string;
  let clock: FrozenClock;
  let open: Awaited<ReturnType<typeof createServer>>[] = [];
  let key: DpopTestKey;

  /** A server on `dataDir` (the same one each time), as a restart would find it. */
  async function start(): Promise<TestServer> {
    const { config } = loadConfig({
      argv: [],
      cwd: dataDir,
      env: {
        AGENTAUTH_DATA_DIR: dataDir,
        AGENTAUTH_ISSUER: DPOP_ISSUER,
        AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
        AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
        AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
      },
    });
    const server = await createServer(config, { clock, logger: pino({ level: 'silent' }) });
    open.push(server);
    return { server, clock, close: () => server.close() };
  }

  beforeAll(async () => {
    key = await dpopKey('ES256');
  });
  afterEach(async () => {
    for (const server of open) await server.close();
    open = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  const fresh = async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-dpop-'));
    clock = new FrozenClock(Date.now());
    const t = await start();
    return { t, agent: await createAgent(t.server) };
  };

  it('refuses a replay in memory and writes no durable claim for the proof (the assertion keeps its own)', async () => {
    const { t, agent } = await fresh();
    const proof = await proofFor(t, key);
    expect((await tokenRequest(t, agent, proof)).statusCode).toBe(200);
    const store = t.server.deps.store;
    expect(await store.liveReplayClaims('dpop:', clock.now())).toEqual([]);
    expect(await store.liveReplayClaims('assertion:', clock.now())).toHaveLength(1);
    const replay = await tokenRequest(t, agent, proof);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_dpop_proof');
  });

  it('hands live proofs over at a clean shutdown: the next process refuses their replay and accepts new proofs', async () => {
    const { t, agent } = await fresh();
    const used = await proofFor(t, key);
    expect((await tokenRequest(t, agent, used)).statusCode).toBe(200);
    await t.close();
    const t2 = await start();
    const handedOver = await t2.server.deps.store.liveReplayClaims('dpop:', clock.now());
    expect(handedOver).toHaveLength(1);
    expect(handedOver[0]?.expiresAt).toBe(Math.floor(clock.now() / 1000) * 1000 + 90_000);
    const replay = await tokenRequest(t2, agent, used);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_dpop_proof');
    expect((await tokenRequest(t2, agent, await proofFor(t2, key))).statusCode).toBe(200);
  });

  it('does not take back proofs whose window has passed', async () => {
    const { t, agent } = await fresh();
    const used = await proofFor(t, key);
    expect((await tokenRequest(t, agent, used)).statusCode).toBe(200);
    await t.close();
    clock.advance(91_000);
    const t2 = await start();
    expect(await t2.server.deps.store.liveReplayClaims('dpop:', clock.now())).toEqual([]);
  });
});

describe('DPoP single use on PostgreSQL (another node may share the database)', () => {
  let t: TestServer;
  let agent: TestAgent;
  let key: DpopTestKey;

  beforeAll(async () => {
    t = await startTestServer('postgres', { AGENTAUTH_ISSUER: DPOP_ISSUER });
    agent = await createAgent(t.server);
    key = await dpopKey('ES256');
  });
  afterAll(async () => t?.close());

  it('claims each proof in the database, with the token', async () => {
    const proof = await proofFor(t, key);
    expect((await tokenRequest(t, agent, proof)).statusCode).toBe(200);
    const claims = await t.server.deps.store.liveReplayClaims('dpop:', t.clock.now());
    expect(claims).toHaveLength(1);
    expect(claims[0]?.key).toMatch(/^dpop:[A-Za-z0-9_-]{43}:/);
  });
});
