import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, freePort, ROOT, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const execFileAsync = promisify(execFile);
const BOOTSTRAP = 'cli-process-bootstrap-token-0123456789abcdef';

/** The built CLI as a real process; resolves whatever its exit status, with what it printed. */
async function agentauth(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AGENTAUTH_')) env[name] = value;
  try {
    const { stdout, stderr } = await execFileAsync('node', [CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...env, ...options.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('agentauth as a process: version and help', () => {
  it('prints the version of its package.json for --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await agentauth([flag])).toEqual({ code: 0, stdout: `agentauth ${version}\n`, stderr: '' });
  });

  it("prints the server's flags for start --help, from the config schema, and starts nothing", async () => {
    const result = await agentauth(['start', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: agentauth start /);
    for (const text of ['--port VALUE', 'AGENTAUTH_PORT; integer 1–65535; default 8080', '--mtls-port VALUE', '--config FILE']) expect(result.stdout).toContain(text);
    expect(result.stderr).toBe('');
  });
});

/**
 * One server process with its mutual-TLS listener on: the CLI as the operator and the agent use it.
 */
describe('agentauth as a process against a real server', () => {
  let server: ServerProcess;
  let mtlsPort: number;
  const cli = (...args: string[]) => agentauth(args, { cwd: server.workDir, env: { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });

  beforeAll(async () => {
    mtlsPort = await freePort();
    server = await startServerProcess({ env: { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_MTLS_PORT: String(mtlsPort) } });
  }, 180_000);
  afterAll(async () => server?.stop());

  it('takes --json before or after the command, and prints errors as JSON on stderr', async () => {
    const before = await cli('--json', 'keys', 'list');
    const after = await cli('keys', 'list', '--json');
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    expect(JSON.parse(before.stdout).items.length).toBeGreaterThan(0);

    const missing = await cli('agents', 'show', 'agt_AAAAAAAAAAAAAAAAAAAAAA', '--json');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(missing.stderr)).toEqual({ error: { code: 'not_found', message: expect.stringContaining('Not found (not_found)'), status: 404, exit_code: 1 } });

    const usage = await cli('--json', 'agents', 'create', '--name', '--owner', 'x');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr).error).toMatchObject({ code: 'usage', status: null, exit_code: 2 });
    const human = await cli('agents', 'create', '--name', '--owner', 'x');
    expect(human.stderr).not.toContain('\\x0a');
    expect(human.stderr.split('\n').length).toBeGreaterThan(3);

    const refused = await agentauth(['--json', 'agents', 'list'], { env: { AGENTAUTH_URL: `http://127.0.0.1:${await freePort()}`, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'connection_refused', exit_code: 3 });
  });

  it('names a TLS verification failure at the mTLS listener, then gets a certificate-bound token with --cacert; agents tokens lists it', async () => {
    const created = await cli('agents', 'create', '--json', '--name', 'mtls-bot', '--owner', 'team', '--auth-method', 'tls_client_auth', '--cert-bound', '--scope', 'orders:read', '--resource', 'https://api.example.com');
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { agent: { id: string; tls_client_certificate_bound_access_tokens: boolean } }).agent.id;
    expect((await cli('certs', 'issue', '--agent', id, '--out-dir', 'svid')).code).toBe(0);
    const token = ['token', '--client-id', id, '--cert', 'svid/chain.pem', '--cert-key', 'svid/key.pem', '--scope', 'orders:read'];

    const untrusted = await cli(...token);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(new RegExp(`^error: TLS certificate verification failed for https://127\\.0\\.0\\.1:${mtlsPort} \\((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\)\n`));
    expect(untrusted.stderr).toContain('--cacert');
    expect(untrusted.stderr).not.toContain('is the server running');

    const trusted = await cli(...token, '--cacert', 'svid/bundle.pem');
    expect(trusted.code, trusted.stderr).toBe(0);
    const claims = decodeJwt(trusted.stdout.trim());
    expect(claims).toMatchObject({ sub: id, scope: 'orders:read', cnf: { 'x5t#S256': expect.any(String) } });

    const listed = await cli('agents', 'tokens', id, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      items: [expect.objectContaining({ jti: claims.jti, sub: id, binding: 'mtls', cnf: claims.cnf, scope: 'orders:read', aud: ['https://api.example.com'], revoked: false, parent_jti: null })],
    });
    const table = await cli('agents', 'tokens', id);
    expect(table.stdout).toMatch(new RegExp(`^JTI +ISSUED +EXPIRES +SCOPE +AUDIENCE +BINDING +PARENT +REVOKED\n${claims.jti} .* orders:read +https://api\\.example\\.com +mtls +no\n$`));

    const tail = await cli('audit', 'tail', '-n', '3', '--agent', id);
    expect(tail.stdout).toContain(`agent=${id} (mtls-bot)`);
  });
});

/**
 * The audit log truncated in the database (as someone with write access would, head row and all):
 * the chain alone still verifies; `--expect-head` with a head printed before catches it.
 */
describe('agentauth audit verify --expect-head against a truncated log', () => {
  let server: ServerProcess | undefined;
  let firstWorkDir: string | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => agentauth(args, { env: { AGENTAUTH_URL: server?.url ?? '', AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP } });

  beforeAll(async () => {
    env = { AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP, AGENTAUTH_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await server?.stop();
    if (firstWorkDir !== undefined) await rm(firstWorkDir, { recursive: true, force: true });
  });

  it('prints the head, then fails once the log no longer reaches it, and again once regrown past it', async () => {
    server = await startServerProcess({ env });
    firstWorkDir = server.workDir;
    dataDir = join(server.workDir, '.agentauth');
    for (let i = 0; i < 6; i++) expect((await cli('agents', 'create', '--name', `bot-${i}`, '--owner', 'team', '--auth-method', 'client_secret_basic')).code).toBe(0);

    const first = await cli('audit', 'verify');
    expect(first.code, first.stderr).toBe(0);
    const head = /^head: +(\d+):([A-Za-z0-9_-]{43})$/m.exec(first.stdout);
    if (head === null) throw new Error(`no head in ${first.stdout}`);
    const [anchor, seq] = [`${head[1]}:${head[2]}`, Number(head[1])];
    const asJson = JSON.parse((await cli('audit', 'verify', '--json')).stdout);
    expect(asJson).toEqual({ ok: true, records_checked: seq, last_seq: seq, last_hash: head[2] });
    expect((await cli('audit', 'verify', '--expect-head', anchor)).code).toBe(0);

    // Stop the server (keeping its directory), cut the last four records and move the head row back.
    const kept = seq - 4;
    await stopKeepingData(server);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dataDir, 'agentauth.db'));
    const last = db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(kept) as { hash: string };
    db.prepare('DELETE FROM audit_log WHERE seq > ?').run(kept);
    db.prepare('UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1').run(kept, last.hash);
    db.close();
    server = await startServerProcess({ env: { ...env, AGENTAUTH_DATA_DIR: dataDir } });

    const plain = await cli('audit', 'verify');
    expect(plain.code).toBe(0);
    const truncated = await cli('audit', 'verify', '--expect-head', anchor);
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toContain('audit chain BROKEN');
    expect(truncated.stdout).toContain('the log was truncated');
    expect(truncated.stderr).toMatch(/^error: the audit chain is broken at seq \d+: the log was truncated: it ends before the expected head\n$/);
    const truncatedJson = await cli('audit', 'verify', '--expect-head', anchor, '--json');
    expect(JSON.parse(truncatedJson.stdout)).toMatchObject({ ok: false, problem: 'truncated' });
    expect(JSON.parse(truncatedJson.stderr).error).toMatchObject({ code: 'audit_log_truncated', exit_code: 1 });

    // New records past the old head: the chain reaches its seq again, with another hash there.
    for (let i = 0; i < 6; i++) expect((await cli('agents', 'create', '--name', `later-${i}`, '--owner', 'team', '--auth-method', 'client_secret_basic')).code).toBe(0);
    const rewritten = await cli('audit', 'verify', '--expect-head', anchor, '--json');
    expect(rewritten.code).toBe(1);
    expect(JSON.parse(rewritten.stdout)).toMatchObject({ ok: false, problem: 'rewritten', first_bad_seq: seq });
    expect(JSON.parse(rewritten.stderr).error.code).toBe('audit_log_rewritten');
  }, 180_000);
});

/** SIGTERM, without removing the working directory (and the data directory in it). */
async function stopKeepingData(server: ServerProcess): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}
