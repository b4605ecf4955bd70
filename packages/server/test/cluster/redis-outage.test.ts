import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopKey, dpopProof, type DpopTestKey } from '../../../resource-server/test/dpop/dpop-proof-fixtures.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { ASSERTION_TYPE, FORM, form } from '../support/test-server.js';
import { until } from '../support/until.js';
import { assertion, registerAgent, type LoadAgent } from '../faults/support/load-driver.js';
import { readyStatus } from '../faults/support/readiness.js';
import { startClusterNodes, type ClusterNodes } from './support/cluster-nodes.js';

/** One answer to a token request carrying a DPoP proof. */
interface Answer {
  status: number;
  error?: string;
  tokenType?: string;
  retryAfter: string | null;
}

/** `POST /token` at `node` with a fresh client assertion for `issuer` and the DPoP proof given (RFC 9449 §5). */
async function dpopTokenRequest(node: string, issuer: string, agent: LoadAgent, proof: string): Promise<Answer> {
  const body = form({ grant_type: 'client_credentials', scope: 'orders:read', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(agent, issuer) });
  const response = await fetch(`${node}/token`, { method: 'POST', headers: { ...FORM, dpop: proof }, body });
  const json = (await response.json()) as { error?: string; token_type?: string };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...(json.error === undefined ? {} : { error: json.error }), ...(json.token_type === undefined ? {} : { tokenType: json.token_type }) };
}

/** Every proof sent, each to every node at once, and what each node answered. */
interface ReplayLoad {
  /** Proofs sent so far, and how many of them were answered with a token. */
  sent(): number;
  accepted(): number;
  /** Proofs answered with a token more than once (must stay empty). */
  acceptedTwice: Answer[][];
  /** Answers that were neither a token, nor a replay refused, nor a 503 with Retry-After. */
  unexpected: Answer[];
  stop(): Promise<void>;
}

/**
 * `clients` loops, each signing a fresh proof and sending it with its own client assertion to
 * every node at the same moment: a replay of every proof, raced across the nodes, for as long as
 * the test runs.
 */
function startReplayLoad(issuer: string, nodes: readonly string[], agent: LoadAgent, key: DpopTestKey, clients: number): ReplayLoad {
  let running = true;
  let sent = 0;
  let accepted = 0;
  const acceptedTwice: Answer[][] = [];
  const unexpected: Answer[] = [];
  const expected = (a: Answer) =>
    (a.status === 200 && a.tokenType === 'DPoP') || (a.status === 400 && a.error === 'invalid_dpop_proof') || (a.status === 503 && a.error === 'temporarily_unavailable' && a.retryAfter !== null);
  const loop = async () => {
    while (running) {
      const proof = await dpopProof(key, 'POST', `${issuer}/token`, Date.now());
      const answers = await Promise.all(nodes.map((node) => dpopTokenRequest(node, issuer, agent, proof)));
      sent += 1;
      const tokens = answers.filter((a) => a.status === 200).length;
      if (tokens > 0) accepted += 1;
      if (tokens > 1) acceptedTwice.push(answers);
      unexpected.push(...answers.filter((a) => !expected(a)));
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    sent: () => sent,
    accepted: () => accepted,
    acceptedTwice,
    unexpected,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Two server processes on one PostgreSQL database sharing a Redis (a private one: the machine's
 * own is never stopped) for the DPoP replay check and the failed-authentication counts. Redis is
 * killed while every proof is being replayed across the nodes, and started again (empty, as a
 * Redis without persistence comes back); before that, it hangs for a while. No proof ever buys two
 * tokens: while Redis is down or hung the
 * database's claim decides; tokens are still issued; the nodes stay ready; and they use Redis again
 * by themselves once it is back.
 */
describe('two nodes while their Redis is down, under DPoP replays raced across the nodes', () => {
  let redis: PrivateRedis;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let cluster: ClusterNodes | undefined;
  let load: ReplayLoad | undefined;
  let agent: LoadAgent;
  let key: DpopTestKey;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createPostgresDatabase();
    cluster = await startClusterNodes(2, database.url, { AGENTAUTH_REDIS_URL: redis.url });
    agent = await registerAgent(cluster.issuer);
    key = await dpopKey('ES256');
  }, 360_000);

  afterAll(async () => {
    await load?.stop();
    await cluster?.stop();
    await database?.drop();
    await redis?.destroy();
  });

  const keysInRedis = async () => Number((await redis.command('DBSIZE')).slice(1));

  it('never accepts a proof twice, keeps issuing tokens while Redis is down, and uses Redis again once it is back', async () => {
    const { issuer, urls, servers } = cluster as ClusterNodes;
    const traffic = startReplayLoad(issuer, urls, agent, key, 4);
    load = traffic;
    // Redis is in use: each proof accepted left its key there.
    await until(() => traffic.accepted() >= 20);
    expect(await keysInRedis()).toBeGreaterThan(0);

    // Redis hangs: every command of the replay check waits out its timeout, then the node goes on
    // without it.
    redis.freeze();
    try {
      const acceptedFrozen = traffic.accepted();
      await until(() => traffic.accepted() >= acceptedFrozen + 20);
    } finally {
      redis.thaw();
    }

    await redis.stop('SIGKILL');
    const acceptedBefore = traffic.accepted();
    // Tokens are still issued, each proof still once: the database's claim decides alone.
    await until(() => traffic.accepted() >= acceptedBefore + 40);
    for (const url of urls) {
      // Redis is not needed to serve: the nodes stay in rotation.
      expect({ url, ready: await readyStatus(url) }).toEqual({ url, ready: 200 });
      // A failed authentication is still refused as one (counted in this node's memory), not a 500.
      const bad = await fetch(`${url}/token`, { method: 'POST', headers: FORM, body: form({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: 'not.a.jwt' }) });
      expect({ url, status: bad.status, error: ((await bad.json()) as { error: string }).error }).toEqual({ url, status: 401, error: 'invalid_client' });
    }

    // A proof accepted by the first node while Redis is down, so Redis never saw it.
    const [first, second] = urls as [string, string];
    const unseen = await dpopProof(key, 'POST', `${issuer}/token`, Date.now());
    expect(await dpopTokenRequest(first, issuer, agent, unseen)).toMatchObject({ status: 200, tokenType: 'DPoP' });

    await redis.start();
    // Back, and empty: the nodes reconnect by themselves and record proofs there again.
    await until(async () => (await keysInRedis()) > 0, 100);
    const acceptedAfter = traffic.accepted();
    await until(() => traffic.accepted() >= acceptedAfter + 20);
    await traffic.stop();

    expect(servers.map((server) => [server.child.exitCode, server.child.signalCode])).toEqual(urls.map(() => [null, null]));
    expect(traffic.acceptedTwice.slice(0, 3), `${traffic.acceptedTwice.length} proofs were accepted more than once`).toEqual([]);
    expect(traffic.unexpected.slice(0, 5), `${traffic.unexpected.length} answers were neither a token, a refused replay, nor 503 with Retry-After`).toEqual([]);
    // Redis came back empty; the replay of the proof it never saw is still refused, by the database.
    expect(await dpopTokenRequest(second, issuer, agent, unseen)).toMatchObject({ status: 400, error: 'invalid_dpop_proof' });
  }, 240_000);
});
