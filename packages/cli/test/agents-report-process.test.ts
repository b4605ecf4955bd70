import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from './helpers/run-cli.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'agents-report-bootstrap-token-0123456789abcdef';
const API = 'https://api.example.com';
const OTHER = 'https://other.example.com';


/**
 * `agentauth agents report` against a real server process: the agent's tokens are obtained with
 * `agentauth token`, as the agent would, so what the report counts is what the token endpoint
 * recorded. The server runs on the real clock; the window boundaries are tested with a frozen one
 * in packages/server/test/admin/admin-least-privilege.test.ts.
 */
describe('agentauth agents report against a real server', () => {
  let server: ServerProcess;
  let busy: string;
  let idle: string;
  const cli = (...args: string[]) => runCli(args, { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });

  const create = async (name: string, ...flags: string[]) => {
    const created = await cli('--json', 'agents', 'create', '--name', name, '--owner', 'team-report', ...flags);
    expect(created.code, created.stderr).toBe(0);
    return (JSON.parse(created.stdout) as { agent: { id: string } }).agent.id;
  };

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const keyFile = join(server.workDir, 'busy.json');
    busy = await create('busy', '--scope', 'orders:read', '--scope', 'orders:write', '--resource', API, '--resource', OTHER, '--generate-key', '--key-out', keyFile);
    idle = await create('idle', '--scope', 'orders:read', '--resource', API);
    for (let i = 0; i < 2; i++) {
      const token = await cli('token', '--client-id', busy, '--key-file', keyFile, '--scope', 'orders:read', '--resource', API);
      expect(token.code, token.stderr).toBe(0);
    }
  }, 180_000);
  afterAll(async () => server?.stop());

  it('prints one agent’s report as JSON: granted, used, unused and the narrower grant suggested', async () => {
    const result = await cli('agents', 'report', busy, '--since', '7d', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      agent_id: busy,
      window: { since: '7d' },
      granted: { scopes: ['orders:read', 'orders:write'], resources: [API, OTHER], grant_types: ['client_credentials'] },
      used: { scopes: ['orders:read'], resources: [API], grant_types: ['client_credentials'], tokens: 2, certificates: 0, source_addresses: 1 },
      unused: { scopes: ['orders:write'], resources: [OTHER], grant_types: [] },
      suggested: { scopes: ['orders:read'], resources: [API], grant_types: ['client_credentials'] },
      stale: false,
    });
    expect(Date.parse(report.window.to) - Date.parse(report.window.from)).toBe(7 * 86_400_000);
    expect(report.last_seen_at).not.toBeNull();
  });

  it('prints a table of granted, used, unused and suggested by default', async () => {
    const result = await cli('agents', 'report', busy);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AGENT +NAME +STALE +LAST SEEN +TOKENS +KIND +GRANTED +USED +UNUSED +SUGGESTED$/);
    expect(lines[1]).toMatch(new RegExp(`^${busy} +busy +no +\\S+Z +2 +scopes +orders:read,orders:write +orders:read +orders:write +orders:read$`));
    expect(lines[2]).toMatch(new RegExp(`^ +resources +${API},${OTHER} +${API} +${OTHER} +${API}$`));
    expect(lines[3]).toMatch(/^ +grant types +client_credentials +client_credentials +- +client_credentials$/);
    expect(lines).toHaveLength(4);
    expect(result.stderr).toBe('');
  });

  it('reports every agent without AGENT; one registered inside the window is not stale', async () => {
    const result = await cli('--json', 'agents', 'report');
    expect(result.code, result.stderr).toBe(0);
    const { items } = JSON.parse(result.stdout) as { items: { agent_id: string; stale: boolean; used: { tokens: number }; last_seen_at: string | null }[] };
    expect(items.map((item) => item.agent_id)).toEqual([busy, idle].sort());
    expect(items.find((item) => item.agent_id === idle)).toMatchObject({ stale: false, used: { tokens: 0 }, last_seen_at: null });
    const table = await cli('agents', 'report');
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(1 + 3 * 2);
  });

  it('passes the server’s refusal of a window through, and refuses a second AGENT as usage', async () => {
    const refused = await cli('agents', 'report', busy, '--since', '366d');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('validation_failed');
    expect(refused.stderr).toContain('1d to 365d');
    const extra = await cli('agents', 'report', busy, idle);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('too many arguments (expected [AGENT])');
    const help = await cli('agents', 'report', '--help');
    expect(help.stdout).toMatch(/^usage: agentauth agents report \[AGENT\] \[--since 30d\]\n/);
    expect(help.stdout).toContain('--since DAYS');
  });
});
