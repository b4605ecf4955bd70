import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const BOOTSTRAP = 'cli-import-keys-bootstrap-token-0123456789abcdefg';
const RESOURCE = 'https://api.example.com';

interface ImportedKeyJson {
  id: string;
  agent_id: string;
  owner: string;
  scopes: string[];
  labels: Record<string, string>;
  status: string;
  usage: { count: number; source_addresses: string[] };
}

/** A key a service accepts today; only its digest leaves the service. */
function legacyKey(): { key: string; digest: string } {
  const key = `legacy-${randomBytes(24).toString('base64url')}`;
  return { key, digest: createHash('sha256').update(key).digest('hex') };
}

describe('agentauth api-keys import (real server process)', () => {
  let server: ServerProcess;
  let agentId: string;
  let service: { id: string; secret: string };
  const secrets: string[] = [];
  const cli = (...args: string[]) => run('node', [CLI, ...args], { cwd: server.workDir, env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });
  const file = async (name: string, text: string) => {
    const path = join(server.workDir, name);
    await writeFile(path, text);
    return path;
  };
  const fresh = () => {
    const k = legacyKey();
    secrets.push(k.key, k.digest);
    return k;
  };

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const created = await cli('agents', 'create', '--name', 'billing-cron', '--owner', 'team-billing', '--scope', 'invoices:read', '--scope', 'invoices:write', '--resource', RESOURCE, '--json');
    agentId = (JSON.parse(created.stdout) as { agent: { id: string } }).agent.id;
    const svc = await cli('agents', 'create', '--name', 'invoices-api', '--owner', 'team-billing', '--scope', 'agentauth:introspect', '--resource', RESOURCE, '--auth-method', 'client_secret_basic', '--json');
    const body = JSON.parse(svc.stdout) as { agent: { id: string }; client_secret: string };
    service = { id: body.agent.id, secret: body.client_secret };
  });
  afterAll(async () => server?.stop());

  const introspect = (digest: string) =>
    fetch(`${server.url}/introspect/key-digest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}` },
      body: new URLSearchParams({ key_digest: digest, resource: RESOURCE }),
    });

  it('imports a JSONL file of digests; a service validates a key by digest and its use is listed', async () => {
    const a = fresh();
    const b = fresh();
    const jsonl = await file('keys.jsonl', [
      '# exported from the billing service',
      JSON.stringify({ key_digest: a.digest, agent_id: agentId, scopes: ['invoices:read'], labels: { source: 'billing-db' } }),
      '',
      JSON.stringify({ key_digest: b.digest.toUpperCase(), agent_id: agentId, owner: 'team-legacy' }),
    ].join('\n'));
    const { stdout, stderr } = await cli('api-keys', 'import', jsonl, '--json');
    expect(stderr).toBe('');
    const items = (JSON.parse(stdout) as { items: ImportedKeyJson[] }).items;
    expect(items.map((k) => [k.owner, k.scopes])).toEqual([['team-billing', ['invoices:read']], ['team-legacy', ['invoices:read', 'invoices:write']]]);
    expect(stdout).not.toContain(a.digest);

    const answer = (await (await introspect(a.digest)).json()) as { active: boolean; key_id: string; sub: string };
    expect(answer).toMatchObject({ active: true, key_id: items[0]!.id, sub: agentId });
    const listed = JSON.parse((await cli('api-keys', 'list', '--imported', '--agent', agentId, '--json')).stdout) as { items: ImportedKeyJson[] };
    expect(listed.items.find((k) => k.id === items[0]!.id)?.usage.count).toBe(1);
    const table = (await cli('api-keys', 'list', '--imported')).stdout;
    expect(table).toMatch(/^ID +AGENT +OWNER +STATUS +EXPIRES +USES +LAST USED$/m);
    expect((await cli('api-keys', 'show', items[0]!.id)).stdout).toMatch(/^uses: +1$/m);

    expect((await cli('api-keys', 'revoke', items[0]!.id)).stderr).toBe(`revoked ${items[0]!.id} of ${agentId}\n`);
    expect(await (await introspect(a.digest)).json()).toEqual({ active: false });
  });

  it('imports a CSV file with a header row', async () => {
    const c = fresh();
    const csv = await file('keys.csv', `key_digest,agent_id,scopes,labels,expires_at\n${c.digest},${agentId},"invoices:read invoices:write",source=csv team=billing,2099-01-01T00:00:00Z\n`);
    // The server bounds the expiry by apiKeyMaxTtl: 2099 is refused, naming the line and the column.
    const refused = cli('api-keys', 'import', csv);
    await expect(refused).rejects.toMatchObject({ code: 1 });
    await expect(refused).rejects.toMatchObject({ stderr: expect.stringContaining(`${csv}:2: expires_at: must be after now`) });
    const fixed = await file('fixed.csv', `key_digest,agent_id,scopes,labels\n${c.digest},${agentId},"invoices:read invoices:write",source=csv team=billing\n`);
    const { stdout, stderr } = await cli('api-keys', 'import', fixed);
    expect(stderr).toContain('imported 1 key by digest');
    expect(stdout).toContain('team-billing');
    expect((await (await introspect(c.digest)).json()) as object).toMatchObject({ active: true, scope: 'invoices:read invoices:write' });
  });

  it('refuses a file holding a raw key before sending anything, without repeating it', async () => {
    const d = fresh();
    const e = fresh();
    const jsonl = await file('mistake.jsonl', [JSON.stringify({ key_digest: d.digest, agent_id: agentId }), JSON.stringify({ key_digest: e.key, agent_id: agentId })].join('\n'));
    const refused = cli('api-keys', 'import', jsonl);
    await expect(refused).rejects.toMatchObject({ code: 2 });
    const failure = (await refused.catch((error: { stderr: string }) => error)) as { stderr: string };
    expect(failure.stderr).toContain(`${jsonl}:2: key_digest: not a SHA-256 digest`);
    expect(failure.stderr).not.toContain(e.key);
    // Nothing was sent: the good line of that file is not imported either.
    expect(await (await introspect(d.digest)).json()).toEqual({ active: false });
  });

  it('reports every line the server refuses, imports nothing, and --json carries the lines', async () => {
    const f = fresh();
    const g = fresh();
    const jsonl = await file('bad.jsonl', [JSON.stringify({ key_digest: f.digest, agent_id: agentId }), JSON.stringify({ key_digest: g.digest, agent_id: 'agt_nobody' }), JSON.stringify({ key_digest: f.digest, agent_id: agentId })].join('\n'));
    const refused = cli('api-keys', 'import', jsonl, '--json');
    await expect(refused).rejects.toMatchObject({ code: 1 });
    const failure = (await refused.catch((error: { stderr: string }) => error)) as { stderr: string };
    const report = JSON.parse(failure.stderr) as { error: { code: string; problems: { line: number; message: string }[] } };
    expect(report.error.code).toBe('validation_failed');
    expect(report.error.problems.map((p) => [p.line, p.message])).toEqual([[2, 'agent_id: names no agent'], [3, 'key_digest: repeats the digest of line 1']]);
    expect(await (await introspect(f.digest)).json()).toEqual({ active: false });
  });

  it('leaves no key or digest in the server output or the audit log', async () => {
    const exported = await run('node', [CLI, 'audit', 'export'], { cwd: server.workDir, env: { ...process.env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP }, maxBuffer: 64 * 1024 * 1024 });
    expect(exported.stdout).toContain('imported_key.imported');
    expect(exported.stdout).toContain('imported_key.introspected');
    expect(secrets.length).toBeGreaterThanOrEqual(14);
    for (const secret of secrets) {
      expect(server.output()).not.toContain(secret);
      expect(exported.stdout).not.toContain(secret);
    }
  });
});
