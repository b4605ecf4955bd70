import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopSigner } from './helpers/dpop-client.js';
import { registerAgentOverHttp } from './helpers/http-agent.js';
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
    const agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'dpop-bot');
    const url = server.url;
    const token = async (proof: string) => {
      const assertion = await agent.assertion();
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
  }, 180_000);
});
