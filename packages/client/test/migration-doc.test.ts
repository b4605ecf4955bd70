import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from '../../cli/test/helpers/readme-commands.js';
import { ROOT, startServerProcess, type ServerProcess } from '../../cli/test/helpers/server-process.js';
import { ShellSession, type ShellResult } from '../../cli/test/helpers/shell-session.js';

/**
 * docs/migration.md, "A worked migration", command by command as written, in one shell against a
 * real agentauth server process, as a reader runs it: `npx agentauth`, `curl` and the client SDK,
 * with AGENTAUTH_URL and AGENTAUTH_ADMIN_TOKEN set and nothing filled in. Each stage is checked
 * for what the document says it shows. Every `sh` block of the section is run; examples that are
 * not to be run are written as `text`.
 */

const DOC = join(ROOT, 'docs/migration.md');
const BOOTSTRAP = 'migration-doc-bootstrap-token-0123456789abcdef';
// A server process, a dozen `npx` commands and an enrolment, on a loaded machine.
const TIMEOUT = 240_000;

const json = (result: ShellResult | undefined): Record<string, unknown> => JSON.parse(result?.stdout ?? '') as Record<string, unknown>;

describe('docs/migration.md, "A worked migration"', () => {
  const blocks = readmeBlocks(DOC, '## A worked migration');
  let server: ServerProcess;
  let shell: ShellSession;

  /** Runs stage `n`'s commands, each of which must succeed, and returns what each printed. */
  const stage = async (n: number): Promise<ShellResult[]> => {
    const block = blocks.find((candidate) => candidate.step.startsWith(`**${n}.`));
    if (block === undefined) throw new Error(`docs/migration.md has no stage ${n}`);
    const results: ShellResult[] = [];
    for (const command of block.commands) {
      const result = await shell.run(command, TIMEOUT);
      if (result.status !== 0) throw new Error(`${block.step} \`${command}\` exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
      results.push(result);
    }
    return results;
  };
  const variable = async (name: string) => (await shell.run(`printf %s "$${name}"`)).stdout;

  beforeAll(async () => {
    // Laid out as the repository's root: `npx agentauth` and `@agentauth/client` resolve to this checkout.
    const dir = mkdtempSync(join(tmpdir(), 'agentauth-migration-doc-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    server = await startServerProcess({ cwd: dir, env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_') && !name.startsWith('VITEST') && name !== 'NODE_ENV') env[name] = value;
    shell = new ShellSession(dir, { ...env, AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });
  }, TIMEOUT);
  afterAll(async () => {
    shell?.close();
    await server?.stop();
  }, TIMEOUT);

  it('is written in six numbered stages, each with commands', () => {
    expect(blocks.map((block) => block.step)).toEqual(Array.from({ length: 6 }, (_, i) => expect.stringMatching(new RegExp(`^\\*\\*${i + 1}\\.`))));
    for (const block of blocks) expect(block.commands.length).toBeGreaterThan(0);
  });

  it('moves a script from a static key to DPoP-bound tokens, warning, then blocking its key', async () => {
    // 1. Identities: the service (client secret, may introspect) and the script.
    await stage(1);
    const agent = await variable('AGENT');
    expect(agent).toMatch(/^agt_/);
    expect(await variable('SERVICE')).toMatch(/^agt_[^:]+:\S+$/);

    // 2. A managed key, shown once.
    await stage(2);
    const key = await variable('KEY');
    expect(key).toMatch(/^aak_/);
    const keyId = json(await shell.run('cat billing-key.json')).api_key as { id: string };

    // 3. The exchange gives a Bearer token; the service sees the key as the agent's; the list counts the uses.
    const [exchanged, introspected, listed] = await stage(3);
    expect(json(exchanged)).toMatchObject({ token_type: 'Bearer', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'invoices:read' });
    expect(json(introspected)).toMatchObject({ active: true, sub: agent, key_id: keyId.id, token_type: 'urn:agentauth:params:oauth:token-type:api-key' });
    expect(json(introspected)).not.toHaveProperty('cutover');
    expect(listed!.stdout).toContain(keyId.id);

    // 4. Warned: still active, with the dates and the page; audited; the plan shows it blocked at the date.
    const [, set, warned, audit, plan] = await stage(4);
    const block = Date.parse(await variable('BLOCK'));
    expect(set!.stdout).toMatch(/^stage:\s+warn$/m);
    expect(json(warned)).toMatchObject({ active: true, cutover: { stage: 'warn', block_from: block / 1000, link: 'https://wiki.example.com/billing-keys' } });
    expect(audit!.stdout).toContain('key_cutover.warned');
    expect(plan!.stdout.split('\n')[0]).toMatch(/: 1 key\(s\) blocked \(1 agent\(s\), 1 resource\(s\)\), 0 warned$/);
    expect(plan!.stdout).toMatch(new RegExp(`^block +${keyId.id} +managed +${agent} +team-billing +https://api\\.example\\.com +agent ${agent} +\\S+Z$`, 'm'));

    // 5. A key pair of its own, enrolled, and a DPoP-bound token.
    const results = await stage(5);
    const token = json(results.at(-1));
    expect(token).toMatchObject({ active: true, sub: agent, token_type: 'DPoP' });
    expect((token.cnf as { jkt?: string } | undefined)?.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // 6. Blocked: the key is inactive to the service; then revoked. The token of stage 5 is untouched.
    const [, refused, revoked] = await stage(6);
    expect(json(refused)).toEqual({ active: false });
    expect(revoked!.stderr).toContain(`revoked ${keyId.id}`);
    expect(json(await shell.run(blocks[4]!.commands.at(-1)!))).toMatchObject({ active: true, token_type: 'DPoP' });
  }, TIMEOUT);
});
