import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import pino from 'pino';
import { FrozenClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer, type AgentAuthServer } from '../../src/main/create-server.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, ISSUER, type Backend, type TestAgent } from '../support/test-server.js';

/** Where a server keeps its data, kept across restarts until `destroy`. */
export interface SignalsData {
  dataDir: string;
  databaseUrl: string | undefined;
  destroy(): Promise<void>;
}

export async function createData(backend: Backend): Promise<SignalsData> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-ssf-'));
  const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  return {
    dataDir,
    databaseUrl: database?.url,
    async destroy() {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real server listening on a loopback port, over `data`; `stop` keeps the data. */
export interface RunningServer {
  server: AgentAuthServer;
  clock: FrozenClock;
  /** `http://127.0.0.1:<port>`: where the issuer's endpoints really are. */
  base: string;
  stop(): Promise<void>;
}

export async function startServer(data: SignalsData, env: Record<string, string> = {}, clock = new FrozenClock(Date.now())): Promise<RunningServer> {
  const { config } = loadConfig({
    argv: [],
    cwd: data.dataDir,
    env: {
      AGENTAUTH_DATA_DIR: data.dataDir,
      AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      AGENTAUTH_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      AGENTAUTH_AUDIT_FLUSH_INTERVAL: '0',
      ...(data.databaseUrl === undefined ? {} : { AGENTAUTH_DATABASE_URL: data.databaseUrl }),
      ...env,
    },
  });
  const server = await createServer(config, { clock, logger: pino({ level: 'silent' }) });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return { server, clock, base: `http://127.0.0.1:${address.port}`, stop: () => server.close() };
}

/** An agent holding `scopes` (default `agentauth:signals`). */
export function receiverAgent(server: AgentAuthServer, scopes: string[] = ['agentauth:signals']): Promise<TestAgent> {
  return createAgent(server, { scopes });
}

/** A real access token from `POST /token` (client_credentials, private_key_jwt), for our own APIs. */
export async function accessToken(running: RunningServer, agent: TestAgent, scope = 'agentauth:signals'): Promise<string> {
  const response = await fetch(`${running.base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion(agent, running.clock.now()),
      resource: ISSUER,
      scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A JSON request to the server; `path` may be a full issuer URL (rebased onto `base`). */
export async function call(
  running: RunningServer,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const url = path.startsWith(ISSUER) ? running.base + path.slice(ISSUER.length) : running.base + path;
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}

/** Verifies a SET with the server's published keys, as a receiver would, and returns its parts. */
export async function verifySet(running: RunningServer, set: string, audience: string): Promise<{ header: Record<string, unknown>; claims: JWTPayload & Record<string, unknown> }> {
  const jwks = createLocalJWKSet(running.server.deps.keys.jwks());
  const { payload } = await jwtVerify(set, jwks, { issuer: ISSUER, audience, typ: 'secevent+jwt', currentDate: new Date(running.clock.now()) });
  return { header: decodeProtectedHeader(set) as Record<string, unknown>, claims: payload as JWTPayload & Record<string, unknown> };
}

/** Polls until at least `count` SETs are returned (short polls), without acknowledging. */
export async function pollSets(running: RunningServer, pollUrl: string, token: string, request: Record<string, unknown> = { returnImmediately: true }): Promise<{ sets: Record<string, string>; moreAvailable?: boolean }> {
  const response = await call(running, 'POST', pollUrl, token, request);
  if (response.status !== 200) throw new Error(`poll failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { sets: Record<string, string>; moreAvailable?: boolean };
}
