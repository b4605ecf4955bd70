import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const BOOTSTRAP = 'cli-enroll-bootstrap-token-0123456789abcdefghijklm';

describe('agentauth agents enroll-token (real server process)', () => {
  let server: ServerProcess;
  const cli = (...args: string[]) => run('node', [CLI, ...args], { cwd: server.workDir, env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
  });
  afterAll(async () => server?.stop());

  it('prints a one-time token on stdout that enrols a public key exactly once', async () => {
    const created = JSON.parse((await cli('agents', 'create', '--name', 'bot', '--owner', 'team', '--json')).stdout) as { agent: { id: string } };
    const { stdout, stderr } = await cli('agents', 'enroll-token', created.agent.id, '--ttl', '600');
    const token = stdout.trim();
    expect(token).toMatch(/^aaenr_[A-Za-z0-9_-]{43}$/);
    expect(stderr).toContain('shown only once');
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const post = () => fetch(`${server.url}/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enrollment_token: token, jwk }) });
    expect((await post()).status).toBe(200);
    expect(await (await post()).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a lifetime over a day before asking the server', async () => {
    await expect(cli('agents', 'enroll-token', 'agt_x', '--ttl', '86401')).rejects.toMatchObject({ code: 2 });
  });
});
