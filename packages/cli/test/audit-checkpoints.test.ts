import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rewriteAuditRecord, truncateAuditLog } from '../../server/test/support/tamper-audit-log.js';
import { CLI, freePort, ROOT, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { registerAgentOverHttp } from './helpers/http-agent.js';

const execFileAsync = promisify(execFile);
const BOOTSTRAP = 'audit-checkpoints-bootstrap-token-0123456789abcdef';

/**
 * `agentauth audit verify --checkpoints DIR` against a real server process on SQLite, whose
 * graceful shutdowns exported two signed checkpoints; then the database is doctored as an attacker
 * with write access would (docs/operations.md, "Audit checkpoints").
 */
describe('agentauth audit verify --checkpoints', () => {
  let dataDir: string;
  let checkpointDir: string;
  let scratch: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let files: string[];

  async function agentauth(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const clean: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) clean[name] = value;
    try {
      const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { cwd: ROOT, env: { ...clean, AGENTAUTH_URL: server?.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /** A copy of the exported checkpoints with the newest replaced by `forge(its JWS)`. */
  async function forgedCopy(name: string, forge: (jws: string) => Promise<string> | string): Promise<string> {
    const copy = join(scratch, name);
    await cp(checkpointDir, copy, { recursive: true });
    const newest = join(copy, files.at(-1) as string);
    const jws = (await readFile(newest, 'latin1')).trim();
    await writeFile(newest, `${await forge(jws)}\n`);
    return copy;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentauth-checkpoint-data-'));
    scratch = await mkdtemp(join(tmpdir(), 'agentauth-checkpoint-scratch-'));
    checkpointDir = join(scratch, 'exported');
    env = { AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_PORT: String(await freePort()), AGENTAUTH_AUDIT_CHECKPOINT_DIR: checkpointDir };
    // Three runs, each ending with a graceful shutdown, which signs and exports a checkpoint; the
    // second rotates the signing key first, so checkpoint 1 has another key than 2 and 3.
    for (const run of ['first', 'second', 'third']) {
      server = await startServerProcess({ env });
      for (const n of [1, 2]) await registerAgentOverHttp(server.url, BOOTSTRAP, `${run}-${n}`);
      if (run === 'second') {
        const rotated = await fetch(`${server.url}/admin/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: '{"force":true}' });
        expect(rotated.status).toBe(200);
      }
      await server.stop();
    }
    server = await startServerProcess({ env });
    files = (await readdir(checkpointDir)).sort();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('passes on the untampered log, with the server JWKS or a saved copy', async () => {
    expect(files).toHaveLength(3);
    const online = await agentauth(['audit', 'verify', '--checkpoints', checkpointDir]);
    expect(online).toMatchObject({ code: 0 });
    expect(online.stdout).toContain('it holds every checkpoint');
    expect(online.stdout).toMatch(/last checkpoint: +checkpoint 3 \(checkpoint-0+\d+\.jwt, seq \d+/);

    const saved = join(scratch, 'jwks.json');
    await writeFile(saved, await (await fetch(`${server?.url}/jwks`)).text());
    expect(await agentauth(['audit', 'verify', '--checkpoints', checkpointDir, '--jwks', saved])).toMatchObject({ code: 0 });

    const listed = await agentauth(['audit', 'checkpoints', '--json']);
    expect(listed.code).toBe(0);
    const items = (JSON.parse(listed.stdout) as { items: { checkpoint: number; jws: string }[] }).items;
    expect(items.map((c) => c.checkpoint)).toEqual([1, 2, 3]);
    for (const [i, file] of files.entries()) expect((await readFile(join(checkpointDir, file), 'latin1')).trim()).toBe(items[i]?.jws);
  });

  it('refuses a forged checkpoint: an altered claim, the right kid with the wrong key, an unknown key, a JWKS without the key', async () => {
    // The claims changed under the original header and signature.
    const altered = await forgedCopy('altered', (jws) => {
      const [header, payload, signature] = jws.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      return `${header}.${Buffer.from(JSON.stringify({ ...claims, hash: 'A'.repeat(43) })).toString('base64url')}.${signature}`;
    });
    const alteredRun = await agentauth(['audit', 'verify', '--checkpoints', altered]);
    expect(alteredRun.code).toBe(1);
    expect(alteredRun.stderr).toMatch(/checkpoint 3 \(checkpoint-\d+\.jwt\) is forged or altered: its signature does not verify/);

    const attacker = await generateKeyPair('ES256');
    // The same claims, signed by another key.
    const sign = (jws: string, kid?: string) =>
      new SignJWT(decodeJwt(jws)).setProtectedHeader({ alg: 'ES256', typ: 'agentauth-audit-checkpoint+jwt', kid: kid ?? (decodeProtectedHeader(jws).kid as string) }).sign(attacker.privateKey);
    const wrongKey = await agentauth(['audit', 'verify', '--checkpoints', await forgedCopy('wrong-key', (jws) => sign(jws))]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('is forged or altered: its signature does not verify');

    const unknownKey = await agentauth(['audit', 'verify', '--checkpoints', await forgedCopy('unknown-key', (jws) => sign(jws, 'attacker')), '--json']);
    expect(unknownKey.code).toBe(1);
    expect(JSON.parse(unknownKey.stderr)).toMatchObject({ error: { code: 'audit_checkpoint_invalid' } });
    expect(unknownKey.stderr).toContain('is signed by key attacker, which the JWKS does not hold');

    const emptyJwks = join(scratch, 'empty-jwks.json');
    await writeFile(emptyJwks, '{"keys":[]}');
    expect((await agentauth(['audit', 'verify', '--checkpoints', checkpointDir, '--jwks', emptyJwks])).code).toBe(1);
  });

  it('checks a checkpoint signed by a key since gone from the JWKS through its successor, and misses none between two files', async () => {
    const kidOf = async (file: string) => decodeProtectedHeader((await readFile(join(checkpointDir, file), 'latin1')).trim()).kid;
    const [oldKid, newKid] = [await kidOf(files[0] as string), await kidOf(files[2] as string)];
    expect(oldKid).not.toBe(newKid);
    const jwks = (await (await fetch(`${server?.url}/jwks`)).json()) as { keys: { kid?: string }[] };
    const withoutOld = join(scratch, 'jwks-without-old.json');
    await writeFile(withoutOld, JSON.stringify({ keys: jwks.keys.filter((key) => key.kid !== oldKid) }));
    const vouched = await agentauth(['audit', 'verify', '--checkpoints', checkpointDir, '--jwks', withoutOld]);
    expect(vouched.code).toBe(0);
    expect(vouched.stdout).toContain('1 to 3 (3 files, 1 vouched for by their successor)');

    // Checkpoint 1 altered: no key checks it any more, but checkpoint 2 names its exact bytes.
    const alteredOld = join(scratch, 'altered-old');
    await cp(checkpointDir, alteredOld, { recursive: true });
    const oldJws = (await readFile(join(alteredOld, files[0] as string), 'latin1')).trim();
    const [header, payload, signature] = oldJws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    await writeFile(join(alteredOld, files[0] as string), `${header}.${Buffer.from(JSON.stringify({ ...claims, iat: Number(claims.iat) + 1 })).toString('base64url')}.${signature}\n`);
    const replaced = await agentauth(['audit', 'verify', '--checkpoints', alteredOld, '--jwks', withoutOld]);
    expect(replaced.code).toBe(1);
    expect(replaced.stderr).toContain(`checkpoint 2 (${files[1]}) does not name ${files[0]} as its predecessor`);

    const gap = join(scratch, 'gap');
    await cp(checkpointDir, gap, { recursive: true });
    await rm(join(gap, files[1] as string));
    const missing = await agentauth(['audit', 'verify', '--checkpoints', gap]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`checkpoint 2 is missing: ${files[0]} is followed by checkpoint 3`);
  });

  it('fails naming the checkpoint when the log was truncated below it, then when a record before every checkpoint was rewritten', async () => {
    const seqOf = async (file: string) => decodeJwt((await readFile(join(checkpointDir, file), 'latin1')).trim()).seq as number;
    const [first, third] = [await seqOf(files[0] as string), await seqOf(files[2] as string)];

    await truncateAuditLog({ dataDir, databaseUrl: undefined }, third - 1);
    const truncated = await agentauth(['audit', 'verify', '--checkpoints', checkpointDir]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain(`the audit log was truncated: checkpoint 3 (${files[2]}, seq ${third}`);
    expect(truncated.stderr).toContain(`the log now ends at seq ${third - 1}`);

    // Rewritten with every later hash recomputed: the chain alone still verifies.
    await rewriteAuditRecord({ dataDir, databaseUrl: undefined }, first - 1, 'doctored');
    expect((await agentauth(['audit', 'verify'])).code).toBe(0);
    const rewritten = await agentauth(['audit', 'verify', '--checkpoints', checkpointDir, '--json']);
    expect(rewritten.code).toBe(1);
    expect(JSON.parse(rewritten.stderr)).toMatchObject({ error: { code: 'audit_log_rewritten' } });
    expect(rewritten.stderr).toContain(`the record at seq ${first} no longer has the hash checkpoint 1 (${files[0]}`);
  });
});
