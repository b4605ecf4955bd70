import { createServer as createNetServer } from 'node:net';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose';
// The SDK is tested end to end against the real server; relative imports, since the
// SDK itself never imports the server.
import { RunningClock } from '../../../server/test/support/running-clock.js';
import { clientAssertion, createAgent, startTestServer, type TestAgent, type TestServer, BOOTSTRAP_TOKEN, form, FORM } from '../../../server/test/support/test-server.js';

export { BOOTSTRAP_TOKEN, clientAssertion, createAgent, form, FORM, type TestAgent };

export interface RealServer extends TestServer {
  issuer: string;
  port: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A real agentauth server (SQLite) listening on a loopback port, its issuer being that address, on
 * a clock that runs with the real one (the SDK under test signs and checks times on its own).
 */
export async function startRealServer(env: Record<string, string> = {}): Promise<RealServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const test = await startTestServer('sqlite', { AGENTAUTH_ISSUER: issuer, ...env }, { clock: new RunningClock() });
  await test.server.app.listen({ host: '127.0.0.1', port });
  return { ...test, issuer, port };
}

/** Requests a token through the real token endpoint; `dpop` adds a DPoP proof for /token. */
export async function issueToken(
  server: RealServer,
  agent: TestAgent,
  params: { resource: string | string[]; scope?: string; dpop?: string },
): Promise<string> {
  const assertion = await clientAssertion(agent, server.clock.now(), { claims: { aud: server.issuer } });
  const body: Record<string, string | string[]> = {
    grant_type: 'client_credentials',
    client_id: agent.id,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    resource: params.resource,
  };
  if (params.scope !== undefined) body.scope = params.scope;
  const response = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { ...FORM, ...(params.dpop ? { dpop: params.dpop } : {}) }, body: form(body) });
  const json = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || json.access_token === undefined) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

/** A DPoP key pair of a client, with its RFC 7638 thumbprint. */
export interface DpopKeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
}

export async function dpopKeyPair(): Promise<DpopKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/** An RFC 9449 §4.2 proof; every header member and claim can be overridden for hostile tests. */
export async function dpopProof(
  key: DpopKeyPair,
  request: { method: string; url: string; accessToken?: string; nonce?: string },
  overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; signWith?: CryptoKey } = {},
): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: crypto.randomUUID(),
    htm: request.method,
    htu: request.url,
    iat: Math.floor(Date.now() / 1000),
    ...(request.accessToken === undefined ? {} : { ath: Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(request.accessToken))).toString('base64url') }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...overrides.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...overrides.header };
  // Signed by hand: jose (rightly) refuses to sign some hostile headers, such as an unknown `crit`.
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, overrides.signWith ?? key.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** Mints a token with the server's own active signing key: for claims the token endpoint cannot be asked for (cnf, act, hostile values). */
export async function mintWithServerKey(server: RealServer, claims: Record<string, unknown>): Promise<string> {
  const { mintAccessToken } = await import('../../../server/src/tokens/mint-access-token.js');
  const now = Math.floor(Date.now() / 1000);
  const full: Record<string, unknown> = { iss: server.issuer, sub: 'agent-x', aud: 'https://api.example.com', exp: now + 300, iat: now, nbf: now, jti: crypto.randomUUID(), client_id: 'agent-x', ...claims };
  for (const [name, value] of Object.entries(full)) if (value === undefined) delete full[name];
  return mintAccessToken(server.server.deps.keys.signer(), full as never);
}
