import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp } from '../../packages/cli/test/helpers/http-agent.js';
import { freePort, startServerProcess, type ServerProcess } from '../../packages/cli/test/helpers/server-process.js';
import { newMasterKey, runWithStdin, tokenKid } from './helpers/run-with-stdin.js';

const BOOTSTRAP = 'master-key-rotation-test-bootstrap-0123456789';

/** Stops a server without `stop()`, which would remove its working directory and the data in it. */
async function kill(server: ServerProcess): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}

describe('agentauth master-key rotate with the key in the data directory (SQLite)', () => {
  let workDir = '';
  afterAll(async () => {
    if (workDir !== '') await rm(workDir, { recursive: true, force: true });
  });

  it('refuses while the server holds the data directory, then replaces master.key and the server starts on it', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'agentauth-rotate-'));
    const dataDir = join(workDir, 'data');
    const env = { AGENTAUTH_PORT: String(await freePort()), AGENTAUTH_DATA_DIR: dataDir, AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP };
    const first = await startServerProcess({ env, cwd: workDir });
    const agent = await registerAgentOverHttp(first.url, BOOTSTRAP, 'sqlite-bot');
    const next = newMasterKey();
    const refused = await runWithStdin(['master-key', 'rotate'], env, next);
    expect(refused.stderr).toMatch(/^agentauth-server: cannot rotate the master key: the data directory .* is in use by another agentauth process/);
    expect(refused.code).toBe(1);
    await kill(first);

    const rotated = await runWithStdin(['master-key', 'rotate'], env, next);
    expect(rotated.stdout).toContain('master.key in the data directory now holds the new key');
    expect(rotated.code).toBe(0);
    expect((await readFile(join(dataDir, 'master.key'), 'utf8')).trim()).toBe(next);

    const second = await startServerProcess({ env, cwd: workDir });
    try {
      expect((await tokenKid(second, agent)).status).toBe(200);
    } finally {
      await kill(second);
    }
  }, 300_000);
});
