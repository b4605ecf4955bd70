import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentOverHttp, type HttpAgent } from '../../../cli/test/helpers/http-agent.js';
import { startServerProcess, type ServerProcess } from '../../../cli/test/helpers/server-process.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { until } from '../support/until.js';
import { issuedJtis, readyStatus, verifyAuditChain } from './support/audit-check.js';
import { forEachConcurrently, introspectsActive, startTokenLoad, type TokenAnswer } from './support/token-load.js';

const BOOTSTRAP = 'postgres-restart-bootstrap-token-0123456789abcdef';

/**
 * The server's PostgreSQL stops under load and comes back: the process stays up, requests in the
 * gap are refused with 503 at once, the pool reconnects by itself, and nothing was acknowledged
 * that was not committed. A private cluster: the machine's own PostgreSQL is never stopped.
 */
describe('PostgreSQL stopped and started again under token load', () => {
  let pg: PrivatePostgres;
  let server: ServerProcess;
  let agent: HttpAgent;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    server = await startServerProcess({
      env: {
        AGENTAUTH_DATABASE_URL: pg.url(),
        AGENTAUTH_BOOTSTRAP_TOKEN: BOOTSTRAP,
        AGENTAUTH_MASTER_KEY: randomBytes(32).toString('base64'),
      },
    });
    agent = await registerAgentOverHttp(server.url, BOOTSTRAP, 'load-bot');
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    pg?.destroy();
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

  it('survives pg_ctl stop -m fast and -m immediate; every token handed out is active and audited; the chain verifies', async () => {
    const traffic = startTokenLoad(server.url, agent, 8);
    load = traffic;
    let answers: TokenAnswer[] = [];
    try {
      for (const mode of ['fast', 'immediate'] as const) {
        const served = traffic.count(200);
        await whileUp(() => traffic.count(200) >= served + 50);

        const refusedBefore = traffic.count(503);
        pg.stop(mode);
        // Requests in the gap are refused, not queued, and the node reports itself not ready.
        await whileUp(() => traffic.count(503) >= refusedBefore + 20);
        expect(await readyStatus(server.url)).toBe(503);
        expect(server.process.exitCode, server.output()).toBeNull();

        pg.start();
        // Back without a restart of the server: tokens are issued again and the node is ready.
        const servedInGap = traffic.count(200);
        await whileUp(() => traffic.count(200) >= servedInGap + 50, 50);
        await whileUp(async () => (await readyStatus(server.url)) === 200, 50);
      }
    } finally {
      answers = await traffic.stop();
    }

    expect(server.process.exitCode, server.output()).toBeNull();
    expect(server.process.signalCode).toBeNull();

    // Every answer was a token or a 503 temporarily_unavailable with Retry-After: never a 500, never
    // a connection the server dropped.
    const others = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.error === 'temporarily_unavailable' && a.retryAfter === '5'));
    expect(others.slice(0, 5), `${others.length} answers were neither 200 nor 503 temporarily_unavailable with Retry-After`).toEqual([]);

    // Nothing acknowledged that was not committed: every token handed out is active, and has its
    // access_token.issued record; the audit chain verifies end to end.
    const tokens = answers.filter((a) => a.status === 200);
    const audited = await issuedJtis(server.url, BOOTSTRAP);
    const missing = tokens.filter((a) => !audited.has(a.jti as string));
    expect(missing.length, `${missing.length} of ${tokens.length} tokens have no access_token.issued record`).toBe(0);
    const inactive: string[] = [];
    await forEachConcurrently(tokens, 8, async (answer) => {
      if (!(await introspectsActive(server.url, agent, answer.token as string))) inactive.push(answer.jti as string);
    });
    expect(inactive, `${inactive.length} of ${tokens.length} tokens introspect inactive`).toEqual([]);
    const verdict = await verifyAuditChain(server.url, BOOTSTRAP);
    expect(verdict.ok).toBe(true);
    expect(verdict.records_checked).toBeGreaterThanOrEqual(tokens.length);
  }, 90_000);
});
