import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp, type HttpAgent } from '../../../cli/test/helpers/http-agent.js';
import { startServerProcess, type ServerProcess } from '../../../cli/test/helpers/server-process.js';
import { until } from '../support/until.js';
import { issuedJtis, readyStatus, verifyAuditChain } from './support/audit-check.js';
import { cannotMountTmpfs, mountSmallDisk, type SmallDisk } from './support/small-disk.js';
import { forEachConcurrently, introspectsActive, startTokenLoad, type TokenAnswer } from './support/token-load.js';

const BOOTSTRAP = 'disk-full-bootstrap-token-0123456789abcdefghij';
/** Room for the database, its WAL and the master key, and little more. */
const DISK_BYTES = 16 * 1024 * 1024;

const unmountable = cannotMountTmpfs();
if (unmountable !== undefined) console.warn(`disk-full test skipped: a tmpfs cannot be mounted here (${unmountable}); it needs root and mount(8)`);

/**
 * One process on SQLite, its data directory on a small tmpfs that the test fills up: the server
 * answers 503 with Retry-After instead of 500, reports itself not ready, survives, and recovers by
 * itself once there is space again; nothing was acknowledged that was not committed.
 */
describe.skipIf(unmountable !== undefined)('the SQLite data directory\'s disk fills up, then is freed', () => {
  let disk: SmallDisk;
  let server: ServerProcess;
  let agent: HttpAgent;

  beforeAll(async () => {
    disk = mountSmallDisk(DISK_BYTES);
    server = await startServerProcess({ env: { AGENTAUTH_DATA_DIR: join(disk.path, 'data'), AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP } });
    agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'disk-bot');
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    disk?.destroy();
  });

  let load: ReturnType<typeof startTokenLoad> | undefined;
  /** `until`, but a server that exited, or a refusal other than 503, fails the test at once. */
  const whileUp = (condition: () => boolean | Promise<boolean>, intervalMs?: number) =>
    until(async () => {
      if (server.process.exitCode !== null || server.process.signalCode !== null) throw new Error(`the server exited (${server.process.exitCode ?? server.process.signalCode}):\n${server.output()}`);
      // A storage failure answered as anything but 503 fails the test at once, not at its timeout.
      const wrong = load?.answers.find((a) => a.status !== 200 && a.status !== 503);
      if (wrong !== undefined) throw new Error(`a token request was answered ${wrong.status} ${wrong.error ?? ''}`);
      return condition();
    }, intervalMs);

  it('answers 503 temporarily_unavailable with Retry-After and readyz 503 while full, survives, and recovers once freed', async () => {
    const traffic = startTokenLoad(server.url, agent, 4);
    load = traffic;
    let answers: TokenAnswer[] = [];
    try {
      await whileUp(() => traffic.count(200) >= 50);
      expect(disk.fill()).toBeGreaterThan(0);

      // Writes fail: token requests are refused with 503, the node says it is not ready, and the
      // admin API answers its own 503 problem.
      await whileUp(() => traffic.count(503) >= 20);
      // A small write may still fit where a batch does not: both are asked until they fail.
      await whileUp(async () => (await readyStatus(server.url)) === 503);
      let admin: Response | undefined;
      await whileUp(async () => {
        admin = await fetch(`${server.url}/admin/v1/agents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'while-full', owner: 'team', scopes: ['a'], resources: ['https://api.example.com'] }),
        });
        return admin.status !== 201;
      });
      if (admin === undefined) throw new Error('unreachable');
      expect(admin.status).toBe(503);
      expect(admin.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(admin.headers.get('retry-after')).toBe('5');
      expect(await admin.json()).toMatchObject({ type: 'urn:agentauth:problem:storage_unavailable', status: 503, code: 'storage_unavailable' });
      expect(server.process.exitCode, server.output()).toBeNull();

      // Space again: tokens are issued and the node is ready, without a restart.
      disk.free();
      const servedWhileFull = traffic.count(200);
      await whileUp(() => traffic.count(200) >= servedWhileFull + 50, 50);
      await whileUp(async () => (await readyStatus(server.url)) === 200, 50);
    } finally {
      answers = await traffic.stop();
    }
    expect(server.process.exitCode, server.output()).toBeNull();

    const others = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.error === 'temporarily_unavailable' && a.retryAfter === '5'));
    expect(others.slice(0, 5), `${others.length} answers were neither 200 nor 503 temporarily_unavailable with Retry-After`).toEqual([]);

    const tokens = answers.filter((a) => a.status === 200);
    const audited = await issuedJtis(server.url, BOOTSTRAP);
    const missing = tokens.filter((a) => !audited.has(a.jti as string));
    expect(missing.length, `${missing.length} of ${tokens.length} tokens have no access_token.issued record`).toBe(0);
    const inactive: string[] = [];
    await forEachConcurrently(tokens, 4, async (answer) => {
      if (!(await introspectsActive(server.url, agent, answer.token as string))) inactive.push(answer.jti as string);
    });
    expect(inactive, `${inactive.length} of ${tokens.length} tokens introspect inactive`).toEqual([]);
    const verdict = await verifyAuditChain(server.url, BOOTSTRAP);
    expect(verdict.ok).toBe(true);
    expect(verdict.records_checked).toBeGreaterThanOrEqual(tokens.length);
  }, 90_000);
});
