import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'users-process-bootstrap-token-0123456789abcdef';

/** `agentauth ...` as typed at a shell, standard input piped in. */
function agentauth(server: ServerProcess, args: string[], stdin = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], { env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('agentauth users, against a real server process', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
  }, 180_000);
  afterAll(() => server?.stop());

  it('manages a person from creation to deletion', async () => {
    const created = await agentauth(server, ['users', 'create', '--email', 'Lin@Example.com', '--name', 'Lin', '--role', 'operator', '--group', 'sre', '--password-stdin', '--json'], 'a long enough passphrase\n');
    expect(created.status).toBe(0);
    const user = JSON.parse(created.stdout) as { id: string };
    expect(user).toMatchObject({ email: 'lin@example.com', roles: ['operator'], groups: ['sre'], password_set: true });

    const shown = await agentauth(server, ['users', 'show', user.id]);
    expect(shown.stdout).toMatch(/^email: +lin@example\.com$/m);
    expect(shown.stdout).toMatch(/^local password: +set$/m);
    expect(shown.stdout).not.toMatch(/argon2|passphrase/);

    const updated = await agentauth(server, ['users', 'update', user.id, '--role', 'auditor', '--role', 'operator', '--json']);
    expect(JSON.parse(updated.stdout)).toMatchObject({ roles: ['operator', 'auditor'] });
    expect(JSON.parse((await agentauth(server, ['users', 'update', user.id, '--no-roles', '--json'])).stdout)).toMatchObject({ roles: [] });

    for (const [action, status] of [['suspend', 'suspended'], ['resume', 'active'], ['disable', 'disabled'], ['resume', 'active']] as const) {
      expect(JSON.parse((await agentauth(server, ['users', action, user.id, '--json'])).stdout)).toMatchObject({ status });
    }
    expect((await agentauth(server, ['users', 'set-password', user.id, '--password-stdin'], 'another long passphrase\n')).status).toBe(0);
    expect((await agentauth(server, ['users', 'reset-totp', user.id])).stdout).toMatch(/^totp: +not enrolled$/m);
    expect((await agentauth(server, ['users', 'list'])).stdout).toContain(user.id);
    // No agent acts for them yet (docs/people.md, "Agents acting for you"): none to list or revoke.
    expect(JSON.parse((await agentauth(server, ['users', 'agents', user.id, '--json'])).stdout)).toEqual({ items: [] });
    expect((await agentauth(server, ['users', 'agents', user.id])).stdout).toMatch(/^AGENT +CLIENT +SCOPE +LAST USED +REVOKED/);
    const revokeNone = await agentauth(server, ['users', 'revoke-agent', user.id, 'agt_nobody']);
    expect(revokeNone.status).not.toBe(0);
    expect(revokeNone.stderr).toContain('not_found');

    expect((await agentauth(server, ['users', 'delete', user.id])).status).not.toBe(0);
    expect((await agentauth(server, ['users', 'delete', user.id, '--yes'])).stdout).toBe(`deleted person ${user.id}\n`);
    expect((await agentauth(server, ['users', 'show', user.id])).status).not.toBe(0);
  });

  it('refuses a weak password naming the rule, an unknown role, and a password anywhere but standard input', async () => {
    const weak = await agentauth(server, ['users', 'create', '--email', 'weak@example.com', '--name', 'Weak', '--password-stdin'], 'short\n');
    expect(weak.status).not.toBe(0);
    expect(weak.stderr).toContain('password must be at least 12 characters');
    expect(weak.stderr).not.toContain('short\n');

    const role = await agentauth(server, ['users', 'create', '--email', 'r@example.com', '--name', 'R', '--role', 'root']);
    expect(role.status).toBe(2);
    expect(role.stderr).toContain('--role must be one of admin, operator, auditor');

    const noStdin = await agentauth(server, ['users', 'set-password', 'usr_x']);
    expect(noStdin.status).toBe(2);
    expect((await agentauth(server, ['users', 'create', '--email', 'p@example.com', '--name', 'P', '--password', 'in the argument list'])).status).toBe(2);
    expect((await agentauth(server, ['users', 'create', '--email', 'two@example.com', '--name', 'Two', '--password-stdin'], 'line one\nline two\n')).status).toBe(2);
  });
});
