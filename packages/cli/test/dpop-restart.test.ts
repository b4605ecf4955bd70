import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopSigner } from './helpers/dpop-client.js';
import { freePort, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'dpop-restart-bootstrap-token-0123456789abcdef';

/**
 * One `agentauth start` process on SQLite keeps DPoP proofs' single use in memory (docs/oauth.md):
 * stopped with SIGTERM, it hands the live ones over, and the next process on the same data
 * directory refuses their replay.
 */
describe('DPoP single use across a clean restart (SIGTERM)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-dpop-restart-'));
    // The same port twice keeps the issuer (and so `htu` and the assertion's `aud`) the same.
    env = { AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses after the restart a proof accepted before it, and accepts a new one', async () => {
    server = await startServerProcess({ env });
    const keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
    const created = await fetch(`${server.url}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dpop-bot', owner: 'team', scopes: ['a'], resources: ['https://api.example.com'], jwks: { keys: [jwk] } }),
    });
    expect(created.status).toBe(201);
    const agentId = ((await created.json()) as { agent: { id: string } }).agent.id;
    const url = server.url;
    const token = async (proof: string) => {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: agentId, sub: agentId, aud: url, jti: crypto.randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(keys.privateKey);
      const response = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
      });
      return { status: response.status, body: (await response.json()) as { error?: string; token_type?: string } };
    };
    const proof = await dpopSigner();
    const used = await proof(`${url}/token`);
    expect(await token(used)).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
    expect(await token(used)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });

    // stop() sends SIGTERM and removes only the process's own working directory, not dataDir.
    await server.stop();
    server = await startServerProcess({ env });
    expect(server.url).toBe(url);
    expect(await token(used)).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
    expect(await token(await proof(`${url}/token`))).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
  }, 60_000);
});
