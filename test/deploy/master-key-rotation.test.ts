import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp, type HttpAgent } from '../../packages/cli/test/helpers/http-agent.js';
import { runCli } from '../../packages/cli/test/helpers/run-cli.js';
import { freePort, startServerProcess, type ServerProcess } from '../../packages/cli/test/helpers/server-process.js';
import { newMasterKey, runWithStdin, tokenKid } from './helpers/run-with-stdin.js';
import { createPostgresDatabase } from '../../packages/server/test/support/postgres-database.js';

const BOOTSTRAP = 'master-key-rotation-test-bootstrap-0123456789';

describe('agentauth master-key rotate on a shared PostgreSQL (every node stopped)', () => {
  const oldKey = newMasterKey();
  const rotatedKey = newMasterKey();
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let agent: HttpAgent;
  let kidBefore: string | undefined;
  let rotation: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    env = { AGENTAUTH_PORT: String(await freePort()), AGENTAUTH_DATABASE_URL: database.url, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP };
    server = await startServerProcess({ env: { ...env, AGENTAUTH_MASTER_KEY: oldKey } });
    agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'rotation-bot');
    const before = await tokenKid(server, agent);
    expect(before.status).toBe(200);
    kidBefore = before.kid;
    await server.stop();
    server = undefined;
    rotation = await runWithStdin(['master-key', 'rotate'], { ...env, AGENTAUTH_MASTER_KEY: oldKey }, `${rotatedKey}\n`);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('re-encrypts the signing and CA keys and says what to do next', () => {
    expect(rotation.stderr).toBe('');
    expect(rotation.stdout).toMatch(/^master key rotated: \d+ sealed values re-encrypted \(signing_key \d+, ca_key \d+\)\n/);
    expect(rotation.stdout).toContain('Start every node with the new AGENTAUTH_MASTER_KEY');
    expect(rotation.code).toBe(0);
  });

  it('leaves a database the old key can no longer start a server on', async () => {
    // The rotation moved the database's master key check value to the new key: the old one is refused before it opens anything.
    await expect(startServerProcess({ env: { ...env, AGENTAUTH_MASTER_KEY: oldKey } })).rejects.toThrow(/cannot start: this node has a different master key from the one the database was set up with/);
  }, 180_000);

  it('refuses a second rotation under the old key, and changes nothing', async () => {
    const again = await runWithStdin(['master-key', 'rotate'], { ...env, AGENTAUTH_MASTER_KEY: oldKey }, newMasterKey());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^agentauth-server: cannot rotate the master key: the current master key does not open the signing_key value of .+ nothing was changed\n$/);
  });

  it('refuses a new key that is not base64 of 32 bytes, without echoing it', async () => {
    const bad = await runWithStdin(['master-key', 'rotate'], { ...env, AGENTAUTH_MASTER_KEY: rotatedKey }, 'not-a-key-but-maybe-a-secret');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('standard input must hold the new master key');
    expect(bad.stderr).not.toContain('maybe-a-secret');
  });

  it('starts with the new key: the same signing key signs, the agent authenticates, the rotation is audited on an intact chain', async () => {
    server = await startServerProcess({ env: { ...env, AGENTAUTH_MASTER_KEY: rotatedKey } });
    const after = await tokenKid(server, agent);
    expect(after.status).toBe(200);
    expect(after.kid).toBe(kidBefore);
    const audit = await fetch(`${server.url}/admin/v1/audit?event=master_key.rotated`, { headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    const { items } = (await audit.json()) as { items: { actor: string; details: { resealed: Record<string, number> } }[] };
    expect(items).toHaveLength(1);
    expect(items[0]?.actor).toBe('system');
    expect(items[0]?.details.resealed['signing_key']).toBeGreaterThan(0);
    const verified = await runCli(['audit', 'verify'], { AGENTAUTH_URL: server.url, AGENTAUTH_ADMIN_TOKEN: BOOTSTRAP });
    expect(verified.stdout).toMatch(/^audit chain intact/);
    expect(verified.code).toBe(0);
  }, 180_000);
});
