import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createResourceServer, type ResourceServer } from '@agentauth/resource-server';
import { dpopKey } from '../../../resource-server/test/dpop/dpop-proof-fixtures.js';
import type { LoadAgent } from '../faults/support/load-driver.js';
import { until } from '../support/until.js';
import { adminPost, clusterAssertion, clusterRevoke, clusterTokenRequest, emptyClusterRecord, registerClusterAgent, startClusterLoad, tokenEndpointProof, type ClusterRecord } from './cluster-load.js';
import { introspect, reconcileCluster } from './cluster-reconcile.js';
import { clockOffsetEnv, startCluster, type Cluster, type ClusterNode } from './cluster-rig.js';

const RESOURCE = 'https://api.example.com';

/** The p-th percentile (0-100) of `values`, nearest rank. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A resource server that fetches the issuer's metadata and JWKS from `node` (one per node). */
function resourceServerOf(cluster: Cluster, node: ClusterNode, clockSkewSeconds?: number): ResourceServer {
  const viaNode: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(cluster.issuer, node.url), init);
  return createResourceServer({ issuer: cluster.issuer, resource: RESOURCE, revocation: 'off', fetch: viaNode, ...(clockSkewSeconds === undefined ? {} : { clockSkewSeconds }) });
}

/** Why `token` fails validation at `server`, or undefined when it passes. */
async function validationFailure(server: ResourceServer, token: string): Promise<string | undefined> {
  try {
    await server.verify({ method: 'GET', url: `${RESOURCE}/orders`, headers: { authorization: `Bearer ${token}` } });
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

/**
 * Three real server processes on one PostgreSQL database and the machine's Redis, as one
 * deployment behind one issuer: the guarantees a client sees must not depend on which node it
 * reaches. After each scenario the reconciler checks, on every node, that everything any node
 * acknowledged holds and that the audit chain verifies.
 */
describe('three nodes, one deployment', () => {
  let cluster: Cluster;
  let introspector: LoadAgent;
  let record: ClusterRecord;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    introspector = await registerClusterAgent(cluster.nodes[0]!, emptyClusterRecord(), ['agentauth:introspect'], [cluster.issuer]);
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  beforeEach(() => {
    record = emptyClusterRecord();
  });
  afterEach(async () => {
    for (const node of cluster.nodes) if (!node.running()) await node.restart();
    expect(await reconcileCluster(cluster, record, introspector)).toEqual([]);
  }, 240_000);

  it('accepts a client assertion, and a DPoP proof, sent to every node at once exactly once', async () => {
    const [a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const agent = await registerClusterAgent(b, record);
    const key = await dpopKey('ES256');
    for (let round = 0; round < 8; round++) {
      const assertion = await clusterAssertion(agent, cluster.issuer);
      const sameAssertion = await Promise.all([a, b, c].map((node) => clusterTokenRequest(cluster, node, agent, record, { assertion })));
      expect(sameAssertion.filter((r) => r.status === 200)).toHaveLength(1);
      for (const refused of sameAssertion.filter((r) => r.status !== 200)) expect([refused.status, refused.error]).toEqual([401, 'invalid_client']);

      // A fresh assertion each, the same proof: only the proof can be the replay.
      const dpop = await tokenEndpointProof(key, cluster.issuer);
      const sameProof = await Promise.all([a, b, c].map((node) => clusterTokenRequest(cluster, node, agent, record, { dpop })));
      expect(sameProof.filter((r) => r.status === 200)).toHaveLength(1);
      for (const refused of sameProof.filter((r) => r.status !== 200)) expect([refused.status, refused.error]).toEqual([400, 'invalid_dpop_proof']);
    }
  });

  it('refuses on every other node what one node revoked or suspended, within seconds', async () => {
    const revocationDelays: number[] = [];
    const suspensionDelays: number[] = [];
    for (let round = 0; round < 9; round++) {
      const here = cluster.nodes[round % 3]!;
      const others = cluster.nodes.filter((node) => node !== here);
      const agent = await registerClusterAgent(here, record);

      // RFC 7009 revocation at one node: introspection at the others says inactive.
      const issued = await clusterTokenRequest(cluster, here, agent, record);
      expect(issued.status).toBe(200);
      const token = record.acknowledged.tokens.at(-1)!;
      expect(await clusterRevoke(cluster, here, token, record)).toBe(200);
      const revokedAt = Date.now();
      await Promise.all(
        others.map(async (node) => {
          await until(async () => !(await introspect(cluster, node, introspector, token.accessToken)), 10);
          revocationDelays.push(Date.now() - revokedAt);
        }),
      );

      // Suspension at one node: the others refuse the agent a token, and its tokens are inactive.
      expect((await clusterTokenRequest(cluster, here, agent, record)).status).toBe(200);
      const held = record.acknowledged.tokens.at(-1)!;
      const suspended = await adminPost(here, `agents/${agent.id}/suspend`);
      expect(suspended.status).toBe(200);
      record.suspended.add(agent.id);
      const suspendedAt = Date.now();
      await Promise.all(
        others.map(async (node) => {
          await until(async () => (await clusterTokenRequest(cluster, node, agent, record)).status === 401 && !(await introspect(cluster, node, introspector, held.accessToken)), 10);
          suspensionDelays.push(Date.now() - suspendedAt);
        }),
      );
    }
    for (const [what, delays] of [
      ['revocation', revocationDelays],
      ['suspension', suspensionDelays],
    ] as const) {
      console.log(`${what} seen by the other nodes after (ms, n=${delays.length}): p50 ${percentile(delays, 50)}, p99 ${percentile(delays, 99)}, max ${Math.max(...delays)}`);
      // A bound no loaded machine should reach (nodes poll for changes every 500 ms); the
      // figures above are what to watch.
      expect(Math.max(...delays)).toBeLessThan(5_000);
    }
  });

  it('validates every token everywhere while one node rotates the signing key under load', async () => {
    const agents = [await registerClusterAgent(cluster.nodes[0]!, record), await registerClusterAgent(cluster.nodes[1]!, record)];
    const servers = cluster.nodes.map((node) => resourceServerOf(cluster, node));
    const failures: string[] = [];
    let checked = 0;
    let validating = true;
    const validator = (async () => {
      while (validating || checked < record.acknowledged.tokens.length) {
        const token = record.acknowledged.tokens[checked];
        if (token === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        checked++;
        for (const [index, server] of servers.entries()) {
          const failure = await validationFailure(server, token.accessToken);
          if (failure !== undefined) failures.push(`token ${token.jti} fails on node ${index}'s keys: ${failure}`);
        }
      }
    })();
    const load = startClusterLoad(cluster, record, { agents, concurrency: 3 });
    try {
      await until(() => load.count(200) >= 60);
      // Forced: an unforced rotation waits until the prepared key has been published for a token
      // lifetime (resource servers' caches), minutes on a fresh deployment. The key it activates
      // was prepared at the first start, so every node has published it since.
      const rotated = await adminPost(cluster.nodes[0]!, 'keys/rotate', { force: true });
      expect(rotated.status, await rotated.clone().text()).toBe(200);
      const body = (await rotated.json()) as { active_kid: string; prepared_kid: string };
      record.acknowledged.keyRotations.push({ activeKid: body.active_kid, preparedKid: body.prepared_kid });
      // Until every node signs with the new key (each node looks for rotations every 10 s).
      const signing = new Set<number>();
      let seen = 0;
      await until(() => {
        for (const entry of load.responses().slice(seen)) if (entry.status === 200 && kidOf(record.acknowledged.tokens, entry.tokenJti) === body.active_kid) signing.add(entry.node);
        seen = load.responses().length;
        return signing.size === cluster.nodes.length;
      }, 100);
    } finally {
      await load.stop();
      validating = false;
      await validator;
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(checked).toBe(record.acknowledged.tokens.length);
    expect(load.responses().filter((r) => r.status !== 200)).toEqual([]);
  }, 240_000);

  it('loses nothing acknowledged when one node is killed with SIGKILL under load, three times', async () => {
    const agents = [await registerClusterAgent(cluster.nodes[0]!, record), await registerClusterAgent(cluster.nodes[2]!, record)];
    const load = startClusterLoad(cluster, record, { agents, concurrency: 4, revokeEvery: 5 });
    const windows: { node: number; from: number; to: number }[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        const victim = cluster.nodes[round]!;
        // A registration acknowledged by the victim just before it dies.
        await registerClusterAgent(victim, record);
        const target = load.count(200) + 25;
        await until(() => load.count(200) >= target);
        const from = Date.now();
        const failedBefore = load.count(0);
        await victim.kill();
        // The other two nodes go on serving while the victim is down.
        await until(() => load.count(0) > failedBefore && load.count(200) >= target + 15);
        await victim.restart();
        windows.push({ node: victim.index, from, to: Date.now() });
      }
    } finally {
      await load.stop();
    }
    console.log(`kill -9 under load: ${load.count(200)} tokens, ${load.count(0)} connection errors, ${record.acknowledged.revoked.size} revocations acknowledged; each node down (kill to ready) ${windows.map((w) => w.to - w.from).join(', ')} ms`);
    // A request in flight at the kill fails too: what counts is that it was pending in the window.
    const outside = load.responses().filter((r) => r.status !== 200 && !windows.some((w) => r.node === w.node && r.status === 0 && r.settledAt >= w.from && r.sentAt <= w.to));
    expect(outside.slice(0, 5), 'answers other than 200 outside a kill window, or other than a connection error inside one').toEqual([]);
    expect(record.acknowledged.revoked.size).toBeGreaterThan(0);
  }, 480_000);

  it('validates everywhere the tokens of a node whose clock is 30 s ahead, and still refuses replays there', async () => {
    const skewed = cluster.nodes[2]!;
    await skewed.stop();
    await skewed.restart(clockOffsetEnv(30));
    try {
      const agent = await registerClusterAgent(cluster.nodes[0]!, record);
      for (let n = 0; n < 5; n++) expect((await clusterTokenRequest(cluster, skewed, agent, record)).status).toBe(200);
      // The node's clock really is ahead: what it signs is dated in our future.
      for (const token of record.acknowledged.tokens) expect(decodeJwt(token.accessToken).iat).toBeGreaterThan(Date.now() / 1000 + 20);
      // Its tokens' iat and nbf are 30 s in the future for everyone else: a resource server takes
      // them with a clock-skew tolerance above that (the SDK's default, 5 s, refuses them).
      const servers = cluster.nodes.map((node) => resourceServerOf(cluster, node, 35));
      for (const token of record.acknowledged.tokens) {
        for (const [index, server] of servers.entries()) expect(await validationFailure(server, token.accessToken), `node ${index}`).toBeUndefined();
      }

      // An assertion used at a node on time is refused by the skewed one, and the other way round.
      const key = await dpopKey('ES256');
      for (const [first, second] of [
        [cluster.nodes[0]!, skewed],
        [skewed, cluster.nodes[1]!],
      ] as const) {
        const assertion = await clusterAssertion(agent, cluster.issuer);
        expect((await clusterTokenRequest(cluster, first, agent, record, { assertion })).status).toBe(200);
        expect(await clusterTokenRequest(cluster, second, agent, record, { assertion })).toMatchObject({ status: 401, error: 'invalid_client' });
        const dpop = await tokenEndpointProof(key, cluster.issuer);
        expect((await clusterTokenRequest(cluster, first, agent, record, { dpop })).status).toBe(200);
        expect(await clusterTokenRequest(cluster, second, agent, record, { dpop })).toMatchObject({ status: 400, error: 'invalid_dpop_proof' });
      }
    } finally {
      await skewed.stop();
      for (const name of Object.keys(clockOffsetEnv(0))) delete skewed.home.env[name];
      await skewed.restart();
    }
    // Introspection on the other nodes checks `iat` with the server's own 5 s tolerance: a token
    // the fast node signed is inactive there until its `iat` is that close (docs/operations.md,
    // "Clocks"). Once it is, the reconciler (afterEach) must find every one of them active on
    // every node: nothing issued by the skewed node is lost.
    const newest = Math.max(...record.acknowledged.tokens.map((token) => decodeJwt(token.accessToken).iat ?? 0));
    const wait = newest * 1000 - 5_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 1_000));
  }, 300_000);
});

/** The `kid` of the key that signed the token `jti` (searched from the newest: it is a recent one). */
function kidOf(tokens: ClusterRecord['acknowledged']['tokens'], jti: string | undefined): string | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i]!.jti === jti) return decodeProtectedHeader(tokens[i]!.accessToken).kid;
  return undefined;
}
