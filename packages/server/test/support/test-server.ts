import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import pino from 'pino';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer, type ServerOptions } from '../../src/main/create-server.js';
import { createPostgresDatabase } from './postgres-database.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: Backend[] = ['sqlite', 'postgres'];

export const ISSUER = 'http://127.0.0.1:8080';
export const BOOTSTRAP_TOKEN = 'test-bootstrap-token-0123456789abcdefghijklmnop';
/** The master key every test server runs with. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

export interface TestServer {
  server: AgentAuthServer;
  clock: FrozenClock;
  close(): Promise<void>;
}

/** A real server (real store, keys, audit log) on a temp dir or a fresh PostgreSQL database. */
export async function startTestServer(
  backend: Backend,
  env: Record<string, string> = {},
  options: Pick<ServerOptions, 'rateLimitRedis' | 'tracing' | 'crossNodePolling'> & { clock?: FrozenClock } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-test-'));
  const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const { config } = loadConfig({
    argv: [],
    cwd: dataDir,
    env: {
      AGENTAUTH_DATA_DIR: dataDir,
      AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      AGENTAUTH_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
      AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
      ...(database ? { AGENTAUTH_DATABASE_URL: database.url } : {}),
      ...env,
    },
  });
  const { clock = new FrozenClock(Date.now()), ...serverOptions } = options;
  const server = await createServer(config, { ...serverOptions, clock, logger: pino({ level: 'silent' }) });
  return {
    server,
    clock,
    async close() {
      await server.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestAgent {
  id: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

/** Registers an agent with a fresh ES256 key through the admin API. */
export async function createAgent(server: AgentAuthServer, body: Record<string, unknown> = {}): Promise<TestAgent> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const response = await server.app.inject({
    method: 'POST',
    url: '/admin/v1/agents',
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` },
    payload: { name: 'test-agent', owner: 'team-test', scopes: ['orders:read', 'orders:write'], resources: ['https://api.example.com'], jwks: { keys: [publicJwk] }, ...body },
  });
  if (response.statusCode !== 201) throw new Error(`agent creation failed: ${response.statusCode} ${response.body}`);
  const id = (response.json() as { agent: { id: string } }).agent.id;
  return { id, privateKey, publicJwk, kid: 'k1' };
}

/** An RFC 7523 client assertion; every claim and header can be overridden for hostile tests. */
export async function clientAssertion(
  agent: TestAgent,
  nowMs: number,
  overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey | Uint8Array } = {},
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const claims = { iss: agent.id, sub: agent.id, aud: ISSUER, jti: crypto.randomUUID(), iat, exp: iat + 60, ...overrides.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete (claims as Record<string, unknown>)[name];
  const header = { alg: 'ES256', kid: agent.kid, ...overrides.header } as { alg: string };
  return new SignJWT(claims).setProtectedHeader(header).sign(overrides.key ?? agent.privateKey);
}

/** Signs any header as given (jose refuses to sign some hostile headers, such as unknown `crit`). */
export async function signRawEs256(header: Record<string, unknown>, claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64(header)}.${b64(claims)}`;
  // WebCrypto ECDSA signatures are already the JWS form, R || S (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function form(params: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  return body.toString();
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A free TCP port on loopback (for tests whose issuer must name the port they listen on). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A test server listening on real HTTP at a free loopback port that its issuer names, on the real
 * clock: for tests that drive it with an independent client, which compares times against its own.
 */
export async function startListeningTestServer(backend: Backend, env: Record<string, string> = {}): Promise<{ t: TestServer; issuer: URL }> {
  const port = await freePort();
  const t = await startTestServer(backend, { AGENTAUTH_PORT: String(port), ...env });
  await t.server.app.listen({ host: '127.0.0.1', port });
  t.clock.set(Date.now());
  return { t, issuer: new URL(`http://127.0.0.1:${port}`) };
}
