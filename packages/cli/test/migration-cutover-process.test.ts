
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from './helpers/run-cli.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const BOOTSTRAP = 'migration-cutover-bootstrap-token-0123456789abcdef';
const API = 'https://api.example.com';
const REPORTS = 'https://reports.example.com';


/**
 * `agentauth migration cutover` against a real server process: rules set, listed and cleared, the
 * plan of a date, and the usage errors. Stages at the doors, and dates on a frozen clock, are
 * tested in packages/server/test/key-cutover/; the worked migration of docs/migration.md in
 * packages/client/test/migration-doc.test.ts.
 */
describe('agentauth migration cutover against a real server', () => {
  let server: ServerProcess;
  let agentId: string;
  let keyId: string;
  const cli = (...args: string[]) => runCli(args, { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });

  beforeAll(async () => {
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const created = await cli('--json', 'agents', 'create', '--name', 'legacy', '--owner', 'team-billing', '--scope', 'invoices:read', '--resource', API, '--resource', REPORTS);
    expect(created.code, created.stderr).toBe(0);
    agentId = (JSON.parse(created.stdout) as { agent: { id: string } }).agent.id;
    const made = await cli('--json', 'api-keys', 'create', agentId, '--ttl', '604800');
    expect(made.code, made.stderr).toBe(0);
    keyId = (JSON.parse(made.stdout) as { api_key: { id: string } }).api_key.id;
  }, 180_000);
  afterAll(async () => server?.stop());

  it('sets rules, lists them, and plans a date: the resource rule blocks the key only where it applies', async () => {
    const block = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const set = await cli('migration', 'cutover', 'set', '--resource', REPORTS, '--warn-from', 'now', '--block-from', block);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^stage:\s+warn$/m);
    expect(set.stdout).toMatch(new RegExp(`^target:\\s+${REPORTS.replaceAll('.', '\\.')}$`, 'm'));

    const rules = await cli('migration', 'cutover', 'rules');
    expect(rules.code, rules.stderr).toBe(0);
    expect(rules.stdout.split('\n')[0]).toMatch(/^SCOPE +TARGET +STAGE +WARN FROM +BLOCK FROM +ID$/);
    expect(rules.stdout).toMatch(new RegExp(`^resource +${REPORTS.replaceAll('.', '\\.')} +warn +\\S+Z +${block.replaceAll('.', '\\.')} +cr_\\S+$`, 'm'));

    const plan = await cli('migration', 'cutover', 'plan', '--at', block);
    expect(plan.code, plan.stderr).toBe(0);
    const lines = plan.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`at ${block}: 1 key(s) blocked (1 agent(s), 1 resource(s)), 0 warned`);
    expect(lines[3]).toMatch(new RegExp(`^block +${keyId} +managed +${agentId} +team-billing +${REPORTS.replaceAll('.', '\\.')} +resource ${REPORTS.replaceAll('.', '\\.')} +never$`));
    const now = JSON.parse((await cli('--json', 'migration', 'cutover', 'plan')).stdout);
    expect(now).toMatchObject({ blocked: [], warned: [{ id: keyId, stage: 'warn', resources: [REPORTS] }], truncated: false });

    // The key's own allow rule exempts it, at the resource too.
    expect((await cli('migration', 'cutover', 'set', '--key', keyId)).code).toBe(0);
    expect(JSON.parse((await cli('--json', 'migration', 'cutover', 'plan', '--at', block)).stdout).blocked).toEqual([]);
    const cleared = await cli('migration', 'cutover', 'clear', '--key', keyId);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toBe(`cleared the key rule of ${keyId}\n`);
  }, 300_000);

  it('refuses what the server refuses, and usage errors before asking', async () => {
    const backwards = await cli('migration', 'cutover', 'set', '--agent', agentId, '--warn-from', '2030-02-01T00:00:00Z', '--block-from', '2030-01-01T00:00:00Z');
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('block_from must not precede warn_from');
    expect((await cli('migration', 'cutover', 'clear', '--agent', agentId)).code).toBe(1);
    expect((await cli('migration', 'cutover', 'set', '--agent', agentId, '--key', keyId)).code).toBe(2);
    expect((await cli('migration', 'cutover', 'plan', '--key', keyId)).code).toBe(2);
    expect((await cli('migration', 'cutover', 'undo')).code).toBe(2);
  }, 300_000);
});
