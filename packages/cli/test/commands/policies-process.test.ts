import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const execFileAsync = promisify(execFile);
const BOOTSTRAP = 'cli-policies-bootstrap-token-0123456789abcdef';
const API = 'https://api.example.com';

const BROKEN = `@id("fine")
permit (principal, action, resource);

@id("broken")
forbid (principal, action, resource) when { context.scope == };
`;
const NO_WRITES = `// Writes are closed while the incident lasts.
@id("no-writes")
@description("No write scope for anyone")
forbid (principal, action == Action::"issue_token", resource)
when { context.scope like "*:write" };
`;

/**
 * `agentauth policies` as an operator runs it: the built CLI as a real process, against a real
 * server process, with policy files on disk.
 */
describe('agentauth policies, as a process against a real server', () => {
  let server: ServerProcess;
  let dir: string;
  let agentId: string;

  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) env[name] = value;
    try {
      const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { cwd: dir, env: { ...env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    dir = await mkdtemp(join(tmpdir(), 'agentauth-policies-'));
    await writeFile(join(dir, 'broken.cedar'), BROKEN);
    await writeFile(join(dir, 'no-writes.cedar'), NO_WRITES);

    // An agent that has been getting write tokens: the history the dry run replays.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const created = await fetch(`${server.url}/admin/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'writer', owner: 'team-orders', scopes: ['orders:read', 'orders:write'], resources: [API], jwks: { keys: [jwk] } }),
    });
    expect(created.status).toBe(201);
    agentId = ((await created.json()) as { agent: { id: string } }).agent.id;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: agentId, sub: agentId, aud: server.url, jti: crypto.randomUUID(), iat: now, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    const issued = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: 'orders:write' }),
    });
    expect(issued.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file with an error as FILE:LINE:COLUMN, with a non-zero exit, and applies nothing', async () => {
    const applied = await cli('policies', 'apply', 'broken.cedar');
    expect(applied.code).toBe(1);
    expect(applied.stdout).toBe('');
    const [first, ...rest] = applied.stderr.split('\n');
    expect(first).toMatch(/^broken\.cedar:5:\d+: .*unexpected token/i);
    expect(rest.join('\n')).toContain('error: Policy does not validate (policy_invalid)');

    const json = await cli('policies', 'validate', 'broken.cedar', '--json');
    expect(json.code).toBe(1);
    const { error } = JSON.parse(json.stderr) as { error: { code: string; status: number; problems: { file: string; line: number; column: number }[] } };
    expect(error).toMatchObject({ code: 'policy_invalid', status: 422 });
    expect(error.problems[0]).toMatchObject({ file: 'broken.cedar', line: 5, column: expect.any(Number) });

    expect((await cli('policies', 'list')).stdout).toMatch(/^policy set version 0\n/);
  });

  it('dry-runs a forbid against the decisions on record before it is applied', async () => {
    const diff = await cli('policies', 'diff', '--since', '1h', 'no-writes.cedar');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('1 would change:');
    const row = diff.stdout.split('\n').find((line) => line.startsWith('allowed_to_denied'));
    expect(row).toMatch(new RegExp(`^allowed_to_denied +${agentId} +${API.replaceAll('.', '\\.')} +orders:write +1 +#\\d+ \\S+ issued -> denied$`));

    const json = JSON.parse((await cli('policies', 'diff', '--since', '1h', 'no-writes.cedar', '--json')).stdout) as { changes: { change: string; agent_id: string; scope: string; count: number }[] };
    expect(json.changes.map((c) => [c.change, c.agent_id, c.scope, c.count])).toEqual([['allowed_to_denied', agentId, 'orders:write', 1]]);
    expect((await cli('policies', 'list')).stdout).toMatch(/^policy set version 0\n/);
  });

  it('applies, lists, shows, tests, deletes and keeps the history', async () => {
    const applied = await cli('policies', 'apply', 'no-writes.cedar', '--comment', 'incident 42', '--expect-version', '0');
    expect(applied).toEqual({ code: 0, stdout: 'policy set version 1\n  + no-writes\n', stderr: '' });

    const list = await cli('policies', 'list');
    expect(list.stdout).toMatch(/^policy set version 1\nID +EFFECT +CHANGED IN +DESCRIPTION\n/);
    expect(list.stdout).toMatch(/\nno-writes +forbid +v1 +No write scope for anyone\n/);
    expect((await cli('policies', 'show', 'no-writes')).stdout).toContain('when { context.scope like "*:write" };');

    const tested = await cli('policies', 'test', '--agent', agentId, '--resource', API, '--scope', 'orders:write');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/^decided under policy set version 1\n/);
    expect(tested.stdout).toMatch(/orders:write +deny +no-writes\n/);
    expect(tested.stdout).toContain('result: denied: invalid_scope');
    const read = await cli('policies', 'test', '--agent', agentId, '--resource', API, '--scope', 'orders:read', '--json');
    expect(JSON.parse(read.stdout)).toMatchObject({ version: 1, result: { allowed: true, scopes: ['orders:read'] } });

    const stale = await cli('policies', 'delete', 'no-writes', '--expect-version', '0');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('(conflict)');
    const deleted = await cli('policies', 'delete', 'no-writes');
    expect(deleted).toEqual({ code: 0, stdout: 'policy set version 2\n  - no-writes\n', stderr: '' });
    expect((await cli('policies', 'list')).stdout).not.toContain('no-writes');

    const history = await cli('policies', 'history');
    const rows = history.stdout.split('\n');
    expect(rows[0]).toMatch(/^VERSION +APPLIED +BY +POLICIES +COMMENT$/);
    expect(rows[1]).toMatch(/^2 +\S+ +admin:bootstrap +1 +delete no-writes$/);
    expect(rows[2]).toMatch(/^1 +\S+ +admin:bootstrap +2 +incident 42$/);
  });
});
