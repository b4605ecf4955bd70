import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const run = promisify(execFile);

/**
 * The README's five-minute walkthrough, step by step, against a real server process started by
 * the built CLI (`npm test` builds first), with the CLI and curl as real clients.
 */
describe('README walkthrough (real server process, CLI and curl)', () => {
  let server: ServerProcess;
  let workDir: string;
  let url: string;
  let adminToken: string;

  const cli = async (...args: string[]) => {
    const { stdout } = await run('node', [CLI, ...args], { cwd: workDir, env: { ...process.env, AGENTAUTH_URL: url, AGENTAUTH_ADMIN_TOKEN: adminToken } });
    return stdout;
  };
  const curl = async (...args: string[]) => (await run('curl', ['-s', '--fail-with-body', ...args])).stdout;

  beforeAll(async () => {
    server = await startServerProcess({ ready: (output) => /aab_[A-Za-z0-9_-]{43}/.test(output) });
    ({ workDir, url } = server);
    adminToken = /aab_[A-Za-z0-9_-]{43}/.exec(server.output())![0];
  }, 30_000);

  afterAll(async () => server?.stop());

  it('1. the first start creates the data directory with a private master key', async () => {
    expect((await stat(join(workDir, '.agentauth/master.key'))).mode & 0o777).toBe(0o600);
    expect(server.output()).toMatch(/master key is stored beside the data/);
  });

  it('2-3. creates an agent with a local key pair and gets a token with the CLI', async () => {
    const created = JSON.parse(
      await cli('agents', 'create', '--json', '--name', 'invoice-bot', '--owner', 'team-payments', '--scope', 'invoices:read', '--resource', 'https://api.example.com', '--generate-key', '--key-out', 'invoice-bot.jwk'),
    ) as { agent: { id: string } };
    expect((await stat(join(workDir, 'invoice-bot.jwk'))).mode & 0o777).toBe(0o600);
    const token = (await cli('token', '--client-id', created.agent.id, '--key-file', 'invoice-bot.jwk', '--scope', 'invoices:read')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: url, sub: created.agent.id, aud: 'https://api.example.com', scope: 'invoices:read' });
  });

  it('4-6. gets, introspects and revokes a token with curl and a client secret', async () => {
    const created = JSON.parse(
      await cli('agents', 'create', '--json', '--name', 'legacy-script', '--owner', 'team-payments', '--scope', 'invoices:read', '--resource', 'https://api.example.com', '--auth-method', 'client_secret_basic'),
    ) as { agent: { id: string }; client_secret: string };
    const basic = `${created.agent.id}:${created.client_secret}`;
    const issued = JSON.parse(await curl('-u', basic, '-d', 'grant_type=client_credentials', '-d', 'scope=invoices:read', `${url}/token`)) as { access_token: string };
    const introspect = async () => JSON.parse(await curl('-u', basic, '--data-urlencode', `token=${issued.access_token}`, `${url}/introspect`)) as Record<string, unknown>;
    expect(await introspect()).toMatchObject({ active: true, sub: created.agent.id, scope: 'invoices:read' });
    expect(await curl('-u', basic, '--data-urlencode', `token=${issued.access_token}`, `${url}/revoke`)).toBe('');
    expect(await introspect()).toEqual({ active: false });
  });

  it('7. shows every step in the audit log, and the chain verifies', async () => {
    const tail = await cli('audit', 'tail', '--json');
    for (const event of ['agent.registered', 'access_token.issued', 'access_token.introspected', 'access_token.revoked']) expect(tail).toContain(event);
    expect(await cli('audit', 'verify')).toMatch(/ok|intact|verified/i);
  });
});
