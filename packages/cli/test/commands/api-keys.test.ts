import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const BOOTSTRAP = 'cli-api-keys-bootstrap-token-0123456789abcdefghij';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const KEY_TYPE = 'urn:agentauth:params:oauth:token-type:api-key';
const RESOURCE = 'https://api.example.com';

interface ApiKeyJson {
  id: string;
  status: string;
  replaces_id: string | null;
  usage: { count: number; source_addresses: string[] };
}

describe('agentauth api-keys (real server process)', () => {
  let server: ServerProcess;
  let agentId: string;
  const shown: string[] = [];
  const cli = (...args: string[]) => run('node', [CLI, ...args], { cwd: server.workDir, env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });
  const exchange = (key: string) =>
    fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: key, subject_token_type: KEY_TYPE, resource: RESOURCE }),
    });

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_API_KEY_MAX_TTL: '2592000' } });
    const created = await cli('agents', 'create', '--name', 'legacy-script', '--owner', 'team-billing', '--scope', 'invoices:read', '--resource', RESOURCE, '--grant-type', 'client_credentials', '--grant-type', EXCHANGE, '--json');
    agentId = (JSON.parse(created.stdout) as { agent: { id: string } }).agent.id;
  });
  afterAll(async () => server?.stop());

  it('creates a key printed once on stdout, which the script exchanges for a token; usage is listed', async () => {
    const { stdout, stderr } = await cli('api-keys', 'create', agentId, '--ttl', '604800', '--label', 'repo=billing-cron');
    const key = stdout.trim();
    shown.push(key);
    expect(key).toMatch(/^aak_[0-9A-Za-z]{49}$/);
    expect(stderr).toContain('shown only once');
    const response = await exchange(key);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'invoices:read', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });

    const listed = JSON.parse((await cli('api-keys', 'list', '--agent', agentId, '--json')).stdout) as { items: ApiKeyJson[] };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]?.usage).toMatchObject({ count: 1, source_addresses: ['127.0.0.1'] });
    const table = (await cli('api-keys', 'list')).stdout;
    expect(table).toMatch(/^ID +AGENT +OWNER +STATUS +EXPIRES +USES +LAST USED$/m);
    expect(table).toContain('team-billing');
    const shownKey = (await cli('api-keys', 'show', listed.items[0]?.id ?? '')).stdout;
    expect(shownKey).toMatch(/^uses: +1$/m);
    expect(shownKey).not.toContain(key.slice(4));
  });

  it('rotates without overlap (the old key stops at once) and revokes', async () => {
    const { items } = JSON.parse((await cli('api-keys', 'list', '--agent', agentId, '--json')).stdout) as { items: ApiKeyJson[] };
    const old = items[0] as ApiKeyJson;
    const rotated = JSON.parse((await cli('api-keys', 'rotate', old.id, '--overlap', '0', '--json')).stdout) as { api_key: ApiKeyJson; key: string };
    shown.push(rotated.key);
    expect(rotated.api_key.replaces_id).toBe(old.id);
    expect((await exchange(shown[0] as string)).status).toBe(400);
    expect((await exchange(rotated.key)).status).toBe(200);
    expect((await cli('api-keys', 'revoke', rotated.api_key.id)).stderr).toBe(`revoked ${rotated.api_key.id} of ${agentId}\n`);
    expect((await exchange(rotated.key)).status).toBe(400);
    await expect(cli('api-keys', 'revoke', rotated.api_key.id)).rejects.toMatchObject({ code: 1 });
  });

  it('refuses a key without expiry or beyond the server maximum', async () => {
    await expect(cli('api-keys', 'create', agentId)).rejects.toMatchObject({ code: 2 });
    const tooLong = cli('api-keys', 'create', agentId, '--ttl', '2592001');
    await expect(tooLong).rejects.toMatchObject({ code: 1 });
    await expect(tooLong).rejects.toMatchObject({ stderr: expect.stringContaining('apiKeyMaxTtl') });
  });

  it('leaves no key in the server output', () => {
    expect(shown).toHaveLength(2);
    for (const key of shown) expect(server.output()).not.toContain(key.slice(4, 24));
  });
});
