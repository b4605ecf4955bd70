import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessTokenClaims } from '@agentauth/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import pino from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { createCommitLog } from '../../src/audit/group-commit.js';
import type { CommitLog } from '../../src/audit/commit-log.js';
import { FrozenClock } from '../../src/clock.js';
import { bootstrapTokenDigest, createAdminAuthenticator } from '../../src/admin/authenticate-admin.js';
import { adminApp } from '../../src/http/admin-app.js';
import { AnomalyRisk } from '../../src/anomalies/anomaly-risk.js';
import { AnomalyService } from '../../src/anomalies/anomaly-service.js';
import { StreamAdministration } from '../../src/signals/stream-administration.js';
import { enrollmentServiceOf } from '../../src/main/wire-enrollment.js';
import { ImportedKeyService } from '../../src/imported-keys/imported-key-service.js';
import { KeyCutoverService } from '../../src/key-cutover/key-cutover-service.js';
import { ApiKeyService } from '../../src/api-keys/api-key-service.js';
import { federationServiceOf } from '../../src/main/wire-federation.js';
import { registrationRoutes } from '../../src/http/registration-routes.js';
import { createSigningKeyRing, type RotatingSigningKeyRing } from '../../src/keys/key-ring.js';
import { cryptoRandom } from '../../src/random.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { Store } from '../../src/store/store.js';
import { withRawDatabase } from '../support/raw-database.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import type { Backend } from '../support/test-server.js';

const run = promisify(execFile);
import { mintAccessToken } from '../../src/tokens/mint-access-token.js';
import { PolicyDecider } from '../../src/policy/policy-decider.js';
import { PolicyDirectory } from '../../src/policy/policy-directory.js';
import { PolicyService } from '../../src/policy/policy-service.js';

export const ISSUER = 'http://127.0.0.1:8080';
export const BOOTSTRAP = 'bootstrap-token-for-admin-tests-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${BOOTSTRAP}` };

/** A real admin API: SQLite in a temp dir, the real key ring, audit log and registry service. */
export interface AdminHarness {
  app: FastifyInstance;
  store: Store;
  keys: RotatingSigningKeyRing;
  audit: CommitLog;
  clock: FrozenClock;
  agents: AgentService;
  dataDir: string;
  backend: Backend;
  /** Runs raw SQL against the store's database (to tamper with it, as an attacker with DB access would). */
  rawSql(text: string): Promise<void>;
  /** Everything the database holds, as bytes: the SQLite files, or a pg_dump of the database. */
  databaseBytes(): Promise<Buffer>;
  /** Every route the app registered: `METHOD url`. */
  routes: string[];
  /** Agent ids passed to onAgentChanged, in order. */
  changed: string[];
  /** Signs an access token of ours for `sub` (defaults: admin scope, issuer audience, valid now). */
  token(sub: string, claims?: Partial<AccessTokenClaims>): string;
  close(): Promise<void>;
}

/** `defaultResource`: the server's AGENTAUTH_DEFAULT_RESOURCE (none by default). */
export async function startAdminHarness(backend: Backend = 'sqlite', options: { defaultResource?: string } = {}): Promise<AdminHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-admin-'));
  const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const logger = pino({ level: 'silent' });
  const clock = new FrozenClock(Date.UTC(2026, 0, 1));
  const store = await openStore({ databaseUrl: database?.url, dataDir, migrate: true });
  const keys = createSigningKeyRing({
    store,
    masterKey: Buffer.alloc(32, 9),
    clock,
    alg: 'ES256',
    rotationInterval: 30 * 86_400,
    accessTokenTtl: 300,
    logger,
  });
  await keys.sync();
  const audit = createCommitLog({ store, flushIntervalMs: 0, logger });
  const changed: string[] = [];
  const agents = new AgentService({ clock, random: cryptoRandom, store, onAgentChanged: (id) => changed.push(id) });
  const deps = { config: { issuer: ISSUER, defaultResource: options.defaultResource, openPublicClientRegistration: false, keyRotationInterval: 30 * 86_400 }, clock, random: cryptoRandom, logger, store, audit, keys };

  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  // A sibling route outside the plugins: the admin hooks must never reach it.
  app.post('/token', async (request) => ({ public: true, body: request.body ?? null }));
  // What the composition root gives the admin API and registration, built over the same store.
  const authenticate = createAdminAuthenticator({ issuer: ISSUER, bootstrapDigest: bootstrapTokenDigest(BOOTSTRAP), clock, keys, store });
  const federation = federationServiceOf(deps);
  const enrollment = enrollmentServiceOf(deps, agents);
  await app.register(registrationRoutes, { deps, agents, authenticateAdmin: authenticate });
  const streams = new StreamAdministration({ store, clock });
  // The policy layer as wire-policy.ts builds it, without the poll (one node).
  const decider: PolicyDecider = new PolicyDecider({ current: () => directory.current(), issuer: ISSUER, timeZone: 'UTC' });
  const directory: PolicyDirectory = new PolicyDirectory(store, () => decider.clear());
  await directory.reload();
  const policies = { service: new PolicyService({ issuer: ISSUER, clock, store, agents: store, directory, decider }), decider, lifetimes: { token: 300, certificate: 3600 } };
  const apiKeys = new ApiKeyService({ clock, random: cryptoRandom, agents: store, store, maxTtlSeconds: 90 * 86_400 });
  const importedKeys = new ImportedKeyService({ clock, random: cryptoRandom, agents: store, store, maxTtlSeconds: 90 * 86_400 });
  const keyCutover = new KeyCutoverService({ clock, random: cryptoRandom, store });
  const anomalies = new AnomalyService({ store, clock, random: cryptoRandom, risk: new AnomalyRisk(), settings: { webhook: 'off', signal: 'off', suspend: 'off' }, responders: {}, logger });
  await app.register(adminApp, { prefix: '/admin/v1', deps, agents, authenticate, federation, enrollment, apiKeys, importedKeys, keyCutover, streams, policies, anomalies });
  await app.ready();

  return {
    app,
    store,
    keys,
    audit,
    clock,
    agents,
    dataDir,
    backend,
    async rawSql(text) {
      await withRawDatabase({ databaseUrl: database?.url, dataDir }, (db) => sql.raw(text).execute(db));
    },
    async databaseBytes() {
      if (database !== undefined) return (await run('pg_dump', ['--data-only', database.url], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout;
      const files = await readdir(dataDir);
      return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dataDir, f)))));
    },
    routes,
    changed,
    token(sub, claims = {}) {
      const iat = Math.floor(clock.now() / 1000);
      return mintAccessToken(keys.signer(), {
        iss: ISSUER,
        sub,
        aud: ISSUER,
        exp: iat + 300,
        iat,
        nbf: iat,
        jti: randomUUID(),
        client_id: sub,
        scope: 'agentauth:admin',
        ...claims,
      });
    },
    async close() {
      await app.close();
      await audit.close();
      await store.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh public ES256 JWK with the given kid. */
export async function publicJwk(kid?: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return kid === undefined ? jwk : { ...jwk, kid };
}

/** A fresh private ES256 JWK (to be refused). */
export async function privateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return exportJWK(privateKey);
}
