import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp, type HttpAgent } from '../../packages/cli/test/helpers/http-agent.js';
import { runCli } from '../../packages/cli/test/helpers/run-cli.js';
import { freePort, startServerProcess, type ServerProcess } from '../../packages/cli/test/helpers/server-process.js';
import { createPostgresDatabase } from '../../packages/server/test/support/postgres-database.js';

const execFileAsync = promisify(execFile);
const BOOTSTRAP = 'backup-restore-test-bootstrap-0123456789abcdef';

async function token(server: ServerProcess, agent: HttpAgent): Promise<Response> {
  return fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await agent.assertion() }),
  });
}

/**
 * docs/deploy.md, "Backups": `pg_dump` of a running PostgreSQL-backed server, `pg_restore` into a
 * new database, a server started on the copy with the same master key. The copy must hold the
 * whole audit chain up to the backed-up head, and the agents and signing keys, still usable.
 */
describe('backup with pg_dump, restore into a new database', () => {
  const masterKey = randomBytes(32).toString('base64');
  let original: { url: string; drop: () => Promise<void> };
  let restored: { url: string; drop: () => Promise<void> };
  let scratch = '';
  let server: ServerProcess | undefined;
  let agent: HttpAgent;
  let head = '';
  let signedBefore = '';

  beforeAll(async () => {
    original = await createPostgresDatabase();
    restored = await createPostgresDatabase();
    scratch = await mkdtemp(join(tmpdir(), 'agentauth-backup-'));
    const port = String(await freePort());
    const env = { AGENTAUTH_PORT: port, AGENTAUTH_MASTER_KEY: masterKey, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP };

    server = await startServerProcess({ env: { ...env, AGENTAUTH_DATABASE_URL: original.url } });
    agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'backed-up-bot');
    const issued = await token(server, agent);
    expect(issued.status).toBe(200);
    signedBefore = ((await issued.json()) as { access_token: string }).access_token;
    const verified = await runCli(['audit', 'verify', '--json'], { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });
    expect(verified.code).toBe(0);
    const { last_seq, last_hash } = JSON.parse(verified.stdout) as { last_seq: number; last_hash: string };
    head = `${last_seq}:${last_hash}`;

    // The backup, taken while the server runs (pg_dump reads one consistent snapshot).
    const dump = join(scratch, 'agentauth.dump');
    await execFileAsync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, '--dbname', original.url]);
    await server.stop();
    server = undefined;
    await execFileAsync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored.url, dump]);

    // The same port, so the same issuer: a restore replaces the server it backed up.
    server = await startServerProcess({ env: { ...env, AGENTAUTH_DATABASE_URL: restored.url } });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await original?.drop();
    await restored?.drop();
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  it('has the whole audit chain, intact, up to the head read before the backup', async () => {
    const verified = await runCli(['audit', 'verify', '--expect-head', head], { AGENTAUTH_URL: (server as ServerProcess).url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^audit chain intact: \d+ records checked/);
    expect(verified.code).toBe(0);
  });

  it('still authenticates the agent, with tokens signed by the restored signing key', async () => {
    const restoredServer = server as ServerProcess;
    const issued = await token(restoredServer, agent);
    expect(issued.status).toBe(200);
    const { access_token: accessToken } = (await issued.json()) as { access_token: string };
    const jwks = createRemoteJWKSet(new URL(`${restoredServer.url}/jwks`));
    const fresh = await jwtVerify(accessToken, jwks, { issuer: restoredServer.url });
    const before = await jwtVerify(signedBefore, jwks, { issuer: restoredServer.url });
    expect(fresh.protectedHeader.kid).toBe(before.protectedHeader.kid);
    expect(fresh.payload.sub).toBe(agent.id);
  });
});
