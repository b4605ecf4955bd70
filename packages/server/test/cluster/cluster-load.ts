import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { dpopProof, type DpopTestKey } from '../../../resource-server/test/dpop/dpop-proof-fixtures.js';
import { emptyAcknowledged, type Acknowledged, type LoadAgent } from '../faults/support/load-driver.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, FORM, form } from '../support/test-server.js';
import type { Cluster, ClusterNode } from './cluster-rig.js';

/** One answer of `POST /token`, from whichever node was asked. */
export interface RecordedResponse {
  node: number;
  /** When it was sent and when its answer (or the transport's failure) came, ms since the epoch. */
  sentAt: number;
  settledAt: number;
  /** 0 when the node did not answer at all (connection refused or reset). */
  status: number;
  /** The JSON `error`, or the transport's message. */
  error?: string;
  agentId: string;
  /** The `jti` of the client assertion sent (RFC 7523 §3 item 7: single use). */
  assertionJti: string;
  /** The `jti` of the DPoP proof sent, if one was (RFC 9449 §11.1: single use). */
  dpopJti?: string;
  /** The access token's `jti`, for a 200. */
  tokenJti?: string;
}

/**
 * Everything a cluster test saw: what the nodes acknowledged (as the single-node fault tests
 * record it, for the same reconciliation), every token answer, and the acknowledged suspensions.
 */
export interface ClusterRecord {
  acknowledged: Acknowledged;
  responses: RecordedResponse[];
  /** Agents whose suspension was answered 200: every token they held is inactive. */
  suspended: Set<string>;
}

export function emptyClusterRecord(): ClusterRecord {
  return { acknowledged: emptyAcknowledged(), responses: [], suspended: new Set() };
}

const admin = { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, 'content-type': 'application/json' };

/** `POST {node}/admin/v1/...` with the bootstrap token. */
export function adminPost(node: ClusterNode, path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${node.url}/admin/v1/${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
}

/**
 * Registers an agent with a fresh ES256 key on `node` (201 is recorded as acknowledged). `scopes`
 * default to `orders:read` for `https://api.example.com`, the resource the load asks for.
 */
export async function registerClusterAgent(node: ClusterNode, record: ClusterRecord, scopes = ['orders:read'], resources = ['https://api.example.com']): Promise<LoadAgent> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const response = await adminPost(node, 'agents', { name: 'cluster-agent', owner: 'team-cluster', scopes, resources, jwks: { keys: [publicJwk] } });
  if (response.status !== 201) throw new Error(`agent registration on node ${node.index} answered ${response.status}: ${await response.text()}`);
  const id = ((await response.json()) as { agent: { id: string } }).agent.id;
  record.acknowledged.agents.push(id);
  return { id, privateKey, kid: 'k1' };
}

/** An RFC 7523 client assertion for the cluster's issuer, whichever node receives it. */
export async function clusterAssertion(agent: LoadAgent, issuer: string, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ iss: agent.id, sub: agent.id, aud: issuer, jti: crypto.randomUUID(), iat, exp: iat + 60 }).setProtectedHeader({ alg: 'ES256', kid: agent.kid }).sign(agent.privateKey);
}

/** A DPoP proof (RFC 9449 §4.2) for the cluster's token endpoint: `htu` is the issuer's, not the node's. */
export function tokenEndpointProof(key: DpopTestKey, issuer: string, nowMs = Date.now()): Promise<string> {
  return dpopProof(key, 'POST', `${issuer}/token`, nowMs);
}

/**
 * `POST {node}/token`, client_credentials with private_key_jwt and optionally DPoP, with the
 * assertion and proof given (to replay them) or fresh ones; the answer goes into `record`.
 */
export async function clusterTokenRequest(
  cluster: Pick<Cluster, 'issuer'>,
  node: ClusterNode,
  agent: LoadAgent,
  record: ClusterRecord,
  presented: { assertion?: string; dpop?: string } = {},
): Promise<RecordedResponse> {
  const assertion = presented.assertion ?? (await clusterAssertion(agent, cluster.issuer));
  const entry: RecordedResponse = { node: node.index, sentAt: Date.now(), settledAt: 0, status: 0, agentId: agent.id, assertionJti: decodeJwt(assertion).jti as string };
  if (presented.dpop !== undefined) entry.dpopJti = decodeJwt(presented.dpop).jti as string;
  const body = form({ grant_type: 'client_credentials', scope: 'orders:read', resource: 'https://api.example.com', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
  try {
    const response = await fetch(`${node.url}/token`, { method: 'POST', headers: { ...FORM, ...(presented.dpop === undefined ? {} : { dpop: presented.dpop }) }, body });
    const answer = (await response.json()) as { access_token?: string; error?: string };
    entry.status = response.status;
    if (response.status === 200 && answer.access_token !== undefined) {
      const jti = decodeJwt(answer.access_token).jti as string;
      entry.tokenJti = jti;
      record.acknowledged.tokens.push({ accessToken: answer.access_token, jti, agent });
    } else if (answer.error !== undefined) {
      entry.error = answer.error;
    }
  } catch (error) {
    // Nothing was answered (a killed node): the client was told nothing, so nothing is owed.
    entry.status = 0;
    entry.error = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  }
  entry.settledAt = Date.now();
  record.responses.push(entry);
  return entry;
}

/** A closed-loop token load spread over the nodes. */
export interface ClusterLoad {
  /** Answers with `status` since the load started (0: no answer). */
  count(status: number): number;
  /** The load's own answers, in the order they came. */
  responses(): RecordedResponse[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

export interface ClusterLoadOptions {
  agents: readonly LoadAgent[];
  /** Clients, each sending its next request when the last one is answered. Default 6. */
  concurrency?: number;
  /** DPoP-bind every token with this key (a fresh proof per request). */
  dpopKey?: DpopTestKey;
  /** Revoke every n-th token received (RFC 7009, by its client, at the next node). Default never. */
  revokeEvery?: number;
}

/**
 * `POST {node}/revoke` (RFC 7009) by the token's own client: recorded as in doubt until answered
 * 200, then as acknowledged.
 */
export async function clusterRevoke(cluster: Pick<Cluster, 'issuer'>, node: ClusterNode, token: Acknowledged['tokens'][number], record: ClusterRecord): Promise<number> {
  record.acknowledged.revocationsInDoubt.add(token.jti);
  const body = form({ token: token.accessToken, token_type_hint: 'access_token', client_assertion_type: ASSERTION_TYPE, client_assertion: await clusterAssertion(token.agent, cluster.issuer) });
  try {
    const response = await fetch(`${node.url}/revoke`, { method: 'POST', headers: FORM, body });
    if (response.status === 200) {
      record.acknowledged.revocationsInDoubt.delete(token.jti);
      record.acknowledged.revoked.add(token.jti);
    }
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * Token requests from `concurrency` clients, round-robin over every node of the cluster (a killed
 * one too: its refusals are the connection errors a client sees), each with a fresh assertion,
 * until `stop()`. Every answer is recorded in `record`; tokens as acknowledged.
 */
export function startClusterLoad(cluster: Cluster, record: ClusterRecord, options: ClusterLoadOptions): ClusterLoad {
  const mine: RecordedResponse[] = [];
  let running = true;
  let turn = 0;
  let received = 0;
  const client = async (slot: number) => {
    while (running) {
      const node = cluster.nodes[turn++ % cluster.nodes.length]!;
      const agent = options.agents[slot % options.agents.length]!;
      const dpop = options.dpopKey === undefined ? undefined : await tokenEndpointProof(options.dpopKey, cluster.issuer);
      const entry = await clusterTokenRequest(cluster, node, agent, record, dpop === undefined ? {} : { dpop });
      mine.push(entry);
      const every = options.revokeEvery ?? 0;
      if (entry.status === 200 && every > 0 && ++received % every === 0) {
        const token = record.acknowledged.tokens.find((t) => t.jti === entry.tokenJti)!;
        await clusterRevoke(cluster, cluster.nodes[turn++ % cluster.nodes.length]!, token, record);
      }
      // A refused connection fails at once: without a pause the loop would spin on a dead node.
      if (entry.status === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const clients = Array.from({ length: options.concurrency ?? 6 }, (_, slot) => client(slot));
  return {
    count: (status) => mine.filter((entry) => entry.status === status).length,
    responses: () => mine,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}
