import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from './helpers/run-cli.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'migration-report-bootstrap-token-0123456789abcdef';
const API = 'https://api.example.com';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const KEY_TYPE = 'urn:agentauth:params:oauth:token-type:api-key';


/**
 * `agentauth migration report` against a real server process: a legacy script exchanges its
 * managed key twice and gets one token with its key pair, so the report counts what the token
 * endpoint recorded. Days and windows are tested on a frozen clock in
 * packages/server/test/key-migration/migration-report.test.ts.
 */
describe('agentauth migration report against a real server', () => {
  let server: ServerProcess;
  let agentId: string;
  let keyId: string;
  let key: string;
  const cli = (...args: string[]) => runCli(args, { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const keyFile = join(server.workDir, 'legacy.json');
    const created = await cli('--json', 'agents', 'create', '--name', 'legacy', '--owner', 'team-billing', '--scope', 'invoices:read', '--resource', API, '--grant-type', 'client_credentials', '--grant-type', EXCHANGE, '--generate-key', '--key-out', keyFile);
    expect(created.code, created.stderr).toBe(0);
    agentId = (JSON.parse(created.stdout) as { agent: { id: string } }).agent.id;
    const made = await cli('--json', 'api-keys', 'create', agentId, '--ttl', '604800');
    expect(made.code, made.stderr).toBe(0);
    ({ key, api_key: { id: keyId } } = JSON.parse(made.stdout) as { key: string; api_key: { id: string } });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: key, subject_token_type: KEY_TYPE, resource: API }) });
      expect(response.status).toBe(200);
    }
    const token = await cli('token', '--client-id', agentId, '--key-file', keyFile, '--scope', 'invoices:read', '--resource', API);
    expect(token.code, token.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => server?.stop());

  it('prints the report as JSON: calls by key and by token for the agent and resource', async () => {
    const result = await cli('migration', 'report', '--since', '7d', '--unused-days', '1', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.totals).toEqual({ tokens: 1, managed_keys: 2, imported_keys: 0, key_share: 0.667 });
    expect(report.rows).toMatchObject([{ agent_id: agentId, resource: API, tokens: 1, managed_keys: 2, imported_keys: 0, key_share: 0.667 }]);
    expect(report.rows[0].days).toHaveLength(1);
    expect(report.unused_keys).toEqual([]);
    expect(report.window.since).toBe('7d');
    expect(result.stdout).not.toContain(key);
  });

  it('prints a table by default, and lists keys that outlive the sunset', async () => {
    const result = await cli('migration', 'report', '--sunset', '2000-01-01T00:00:00Z');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^window: 30d \(.+\); calls: 1 by token, 2 by managed key, 0 by imported key; key share 67%$/);
    expect(lines[2]).toMatch(/^AGENT +RESOURCE +TOKENS +MANAGED KEYS +IMPORTED KEYS +KEY SHARE +TREND$/);
    expect(lines[3]).toMatch(new RegExp(`^${agentId} +${API} +1 +2 +0 +67% +\\d{4}-\\d\\d-\\d\\d 67%$`));
    expect(lines[5]).toMatch(/^FINDING +KEY +KIND +AGENT +OWNER +EXPIRES +LAST USED$/);
    expect(lines[6]).toMatch(new RegExp(`^past sunset +${keyId} +managed +${agentId} +team-billing +\\S+Z +\\S+Z$`));
    expect(lines).toHaveLength(7);
    expect(result.stdout).not.toContain(key);
  });

  it('refuses a bad --unused-days before asking, and passes on the server’s rule for --since', async () => {
    expect((await cli('migration', 'report', '--unused-days', '0')).code).toBe(2);
    const refused = await cli('migration', 'report', '--since', '400d');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('since');
  });
});
