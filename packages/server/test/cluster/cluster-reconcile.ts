import { decodeJwt } from 'jose';
import type { LoadAgent } from '../faults/support/load-driver.js';
import { agentAndRevocationPairingProblems, keyPairingProblems, readStored } from '../faults/support/reconcile.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, FORM, form } from '../support/test-server.js';
import { clusterAssertion, type ClusterRecord } from './cluster-load.js';
import type { Cluster, ClusterNode } from './cluster-rig.js';

/** The default access token lifetime (`AGENTAUTH_ACCESS_TOKEN_TTL`), which the rig does not change. */
const LONGEST_TOKEN_LIFETIME_MS = 300_000;

const bearer = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/** Runs `task` over `items`, `width` at a time (introspecting thousands at once would only queue). */
async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += width) await Promise.all(items.slice(start, start + width).map(task));
}

/** The `details.jti` of every audit record of `event`, through the admin API's NDJSON export. */
async function exportedJtis(node: ClusterNode, event: string): Promise<Set<string>> {
  const response = await fetch(`${node.url}/admin/v1/audit/export?event=${event}`, { headers: bearer });
  if (response.status !== 200) throw new Error(`audit export on node ${node.index} answered ${response.status}`);
  const jtis = new Set<string>();
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { outcome: string; details: Record<string, unknown> };
    if (record.outcome === 'success' && typeof record.details['jti'] === 'string') jtis.add(record.details['jti']);
  }
  return jtis;
}

/** Agent ids named by every successful audit record of `event`. */
async function exportedAgents(node: ClusterNode, event: string): Promise<Set<string>> {
  const response = await fetch(`${node.url}/admin/v1/audit/export?event=${event}`, { headers: bearer });
  const ids = new Set<string>();
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { outcome: string; agent_id: string | null };
    if (record.outcome === 'success' && record.agent_id !== null) ids.add(record.agent_id);
  }
  return ids;
}

/** RFC 7662 introspection on `node`, as `introspector` (an agent allowed `agentauth:introspect`): `active`. */
export async function introspect(cluster: Cluster, node: ClusterNode, introspector: LoadAgent, token: string): Promise<boolean> {
  const body = form({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: await clusterAssertion(introspector, cluster.issuer) });
  const response = await fetch(`${node.url}/introspect`, { method: 'POST', headers: FORM, body });
  if (response.status !== 200) throw new Error(`introspection on node ${node.index} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { active: boolean }).active;
}

/** The values that occur in more than one of `values`. */
function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

/**
 * Checks, with every live node, that the cluster stands by everything any node acknowledged, and
 * returns each problem found as one sentence (empty: all kept):
 *
 * - every token answered 200 introspects (at one live node, each node in turn): active until it expires,
 *   inactive once its revocation or its agent's suspension was acknowledged (either, while a
 *   revocation was sent and never answered); and has its `access_token.issued` record;
 * - every acknowledged revocation has its `access_token.revoked` record, every acknowledged
 *   suspension its `agent.suspended` record and the agent's status, every acknowledged
 *   registration its agent (on every node) and `agent.registered` record, every acknowledged key
 *   rotation its key; state and audit records pair up both ways (as after a single-node crash);
 * - the audit chain verifies (`POST /admin/v1/audit/verify`) on every live node;
 * - no client assertion `jti` and no DPoP proof `jti` was answered 200 twice, on any nodes.
 *
 * `introspector` is an agent registered with the scope `agentauth:introspect`, so tokens of
 * suspended agents can still be asked about (their own clients no longer authenticate).
 */
export async function reconcileCluster(cluster: Cluster, record: ClusterRecord, introspector: LoadAgent): Promise<string[]> {
  const problems: string[] = [];
  const live = cluster.live();
  if (live.length === 0) return ['no node is running'];
  const [first] = live as [ClusterNode, ...ClusterNode[]];

  for (const node of live) {
    const response = await fetch(`${node.url}/admin/v1/audit/verify`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' });
    const verdict = (await response.json()) as { ok: boolean; problem?: string; first_bad_seq?: number };
    if (!verdict.ok) problems.push(`the audit chain does not verify on node ${node.index}: ${verdict.problem} at seq ${verdict.first_bad_seq}`);
  }

  const { acknowledged } = record;
  const issued = await exportedJtis(first, 'access_token.issued');
  const revokedRecords = await exportedJtis(first, 'access_token.revoked');
  const nowSeconds = Math.floor(Date.now() / 1000);
  let turn = 0;
  await inBatches(acknowledged.tokens, 8, async (token) => {
    if (!issued.has(token.jti)) problems.push(`token ${token.jti} has no access_token.issued record`);
    if ((decodeJwt(token.accessToken).exp ?? 0) <= nowSeconds) return;
    const inDoubt = acknowledged.revocationsInDoubt.has(token.jti);
    const expected = !acknowledged.revoked.has(token.jti) && !record.suspended.has(token.agent.id);
    // One node per token, in turn: every node answers for a third of them, at a third of the cost.
    const node = live[turn++ % live.length]!;
    const active = await introspect(cluster, node, introspector, token.accessToken);
    if (!inDoubt && active !== expected) problems.push(`token ${token.jti} introspects ${active ? 'active' : 'inactive'} on node ${node.index}, but ${expected ? 'nothing revoked it' : 'its revocation or suspension was acknowledged'}`);
  });
  for (const jti of acknowledged.revoked) if (!revokedRecords.has(jti)) problems.push(`the acknowledged revocation of ${jti} has no access_token.revoked record`);

  const registered = await exportedAgents(first, 'agent.registered');
  const suspendedRecords = await exportedAgents(first, 'agent.suspended');
  for (const id of acknowledged.agents) {
    if (!registered.has(id)) problems.push(`agent ${id} has no agent.registered record`);
    for (const node of live) {
      const response = await fetch(`${node.url}/admin/v1/agents/${id}`, { headers: bearer });
      if (response.status !== 200) {
        problems.push(`agent ${id}, whose registration was acknowledged, answers ${response.status} on node ${node.index}`);
        continue;
      }
      const agent = (await response.json()) as { status: string };
      if (record.suspended.has(id) && agent.status !== 'suspended') problems.push(`agent ${id}, whose suspension was acknowledged, is ${agent.status} on node ${node.index}`);
    }
  }
  for (const id of record.suspended) if (!suspendedRecords.has(id)) problems.push(`the acknowledged suspension of ${id} has no agent.suspended record`);

  const stored = await readStored({ databaseUrl: cluster.databaseUrl, dataDir: first.home.dataDir });
  // A token revoked longer ago than the longest lifetime has expired, and its revocation row may
  // have been pruned since: its record then names a row that is rightly gone.
  // Both sides of such a pair are left out, as either may be the one a clean-up reached.
  const prunable = Date.now() - LONGEST_TOKEN_LIFETIME_MS;
  const expired = new Set([
    ...stored.audit.filter((r) => r.event === 'access_token.revoked' && r.time < prunable).map((r) => String(r.details['jti'])),
    ...stored.revoked.filter((r) => r.revokedAt < prunable).map((r) => r.jti),
  ]);
  const current = {
    ...stored,
    audit: stored.audit.filter((r) => !(r.event === 'access_token.revoked' && expired.has(String(r.details['jti'])))),
    revoked: stored.revoked.filter((r) => !expired.has(r.jti)),
  };
  const keys = new Map(stored.keys.map((key) => [key.kid, key]));
  for (const { activeKid, preparedKid } of acknowledged.keyRotations) {
    const active = keys.get(activeKid);
    if (active === undefined || active.state === 'prepared') problems.push(`the acknowledged key rotation to ${activeKid} did not survive (${active?.state ?? 'gone'})`);
    if (!keys.has(preparedKid)) problems.push(`the key ${preparedKid} prepared by an acknowledged rotation is gone`);
  }
  problems.push(...keyPairingProblems(stored), ...agentAndRevocationPairingProblems(current));

  const accepted = record.responses.filter((entry) => entry.status === 200);
  for (const jti of repeated(accepted.map((entry) => entry.assertionJti))) problems.push(`client assertion ${jti} was accepted more than once`);
  for (const jti of repeated(accepted.flatMap((entry) => (entry.dpopJti === undefined ? [] : [entry.dpopJti])))) problems.push(`DPoP proof ${jti} was accepted more than once`);
  return problems;
}
