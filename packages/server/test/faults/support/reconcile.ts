import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { verifyAuditChain } from '../../../src/audit/verify-audit-chain.js';
import type { AgentRecord, AuditRecord, RevokedTokenRecord, SigningKeyRecord } from '../../../src/store/records.js';
import type { CaAuthorityRecord } from '../../../src/store/ports/ca-store.js';
import { sqlAgentStore } from '../../../src/store/sql/agent-queries.js';
import { sqlAuditStore } from '../../../src/store/sql/audit-queries.js';
import { sqlCaStore } from '../../../src/store/sql/ca-queries.js';
import { openDatabase } from '../../../src/store/sql/open-database.js';
import { sqlSigningKeyStore } from '../../../src/store/sql/signing-key-queries.js';
import { sqlTokenStore } from '../../../src/store/sql/token-queries.js';
import { ASSERTION_TYPE, BOOTSTRAP_TOKEN, FORM, form } from '../../support/test-server.js';
import { assertion, type Acknowledged } from './load-driver.js';
import type { ServerHome } from './server-process.js';

/** What the database holds, read once: the audit log, the signing keys, the CA hierarchy, agents, revocations. */
export interface Stored {
  audit: AuditRecord[];
  keys: SigningKeyRecord[];
  authorities: CaAuthorityRecord[];
  agents: AgentRecord[];
  revoked: RevokedTokenRecord[];
  chain: Awaited<ReturnType<typeof verifyAuditChain>>;
}

/** Reads everything `reconcile` compares from `home`'s database directly, not through a server. */
export async function readStored(home: Pick<ServerHome, 'databaseUrl' | 'dataDir'>): Promise<Stored> {
  const opened = openDatabase({ databaseUrl: home.databaseUrl, dataDir: home.dataDir });
  try {
    const auditStore = sqlAuditStore(opened.ctx);
    const audit: AuditRecord[] = [];
    for (let batch = await auditStore.readAuditRange(1, 5000); batch.length > 0; batch = await auditStore.readAuditRange((audit.at(-1)?.seq ?? 0) + 1, 5000)) {
      audit.push(...batch);
    }
    const agentStore = sqlAgentStore(opened.ctx);
    const agents: AgentRecord[] = [];
    for (let page = await agentStore.listAgents({}, { limit: 100 }); ; page = await agentStore.listAgents({}, { limit: 100, after: page.next })) {
      agents.push(...page.items);
      if (page.next === undefined) break;
    }
    return {
      audit,
      agents,
      revoked: await sqlTokenStore(opened.ctx).listRevokedTokensSince(0),
      // From time 0: every key row, expired ones too (a fault test runs for seconds, so none is).
      keys: await sqlSigningKeyStore(opened.ctx).listSigningKeys(0),
      authorities: await sqlCaStore(opened.ctx).listAuthorities(),
      chain: await verifyAuditChain(auditStore),
    };
  } finally {
    await opened.close();
  }
}

/** The ids an audit record names in `details` under `names`. */
function named(records: readonly AuditRecord[], events: readonly string[], names: readonly string[]): Map<string, Set<string>> {
  const byEvent = new Map<string, Set<string>>(events.map((event) => [event, new Set()]));
  for (const record of records) {
    const ids = byEvent.get(record.event);
    if (ids === undefined) continue;
    for (const name of names) {
      const value = record.details[name];
      if (typeof value === 'string') ids.add(value);
    }
  }
  return byEvent;
}

/**
 * Every signing key row has the audit records of the transitions it went through, and every
 * `signing_key.*` record names a key that exists in the state it says (a state change and its audit
 * record are written together or not at all). A key activated after it was created has a
 * `signing_key.rotated` record; one made active at once (the first key, or a forced rotation with
 * nothing prepared) may have one.
 */
export function keyPairingProblems(stored: Pick<Stored, 'audit' | 'keys'>): string[] {
  const problems: string[] = [];
  const events = named(stored.audit, ['signing_key.created', 'signing_key.rotated', 'signing_key.retired'], ['kid']);
  const created = events.get('signing_key.created') as Set<string>;
  const rotated = events.get('signing_key.rotated') as Set<string>;
  const retired = events.get('signing_key.retired') as Set<string>;
  const rows = new Map(stored.keys.map((key) => [key.kid, key]));
  for (const key of stored.keys) {
    if (!created.has(key.kid)) problems.push(`signing key ${key.kid} (${key.state}) has no signing_key.created record`);
    if (key.activatedAt !== null && key.activatedAt > key.createdAt && !rotated.has(key.kid)) problems.push(`signing key ${key.kid} was activated without a signing_key.rotated record`);
    if (key.state === 'old' && !retired.has(key.kid)) problems.push(`signing key ${key.kid} is old without a signing_key.retired record`);
  }
  for (const kid of created) if (!rows.has(kid)) problems.push(`signing_key.created names ${kid}, which does not exist`);
  for (const kid of rotated) if ((rows.get(kid)?.activatedAt ?? null) === null) problems.push(`signing_key.rotated names ${kid}, which was never activated`);
  for (const kid of retired) if (rows.get(kid)?.state !== 'old') problems.push(`signing_key.retired names ${kid}, which is not old`);
  return problems;
}

/**
 * Every CA row has its `ca.created` (or `ca.imported`) record, every issuing CA activated after it
 * was made has its `ca.rotated` record, and every such record names a CA that exists in that state.
 */
export function caPairingProblems(stored: Pick<Stored, 'audit' | 'authorities'>): string[] {
  const problems: string[] = [];
  const events = named(stored.audit, ['ca.created', 'ca.rotated', 'ca.imported'], ['ca_id', 'root_id', 'intermediate_id']);
  const created = events.get('ca.created') as Set<string>;
  const rotated = events.get('ca.rotated') as Set<string>;
  const imported = events.get('ca.imported') as Set<string>;
  const rows = new Map(stored.authorities.map((row) => [row.id, row]));
  for (const row of stored.authorities) {
    if (!created.has(row.id) && !imported.has(row.id)) problems.push(`CA ${row.kind} ${row.id} (${row.state}) has no ca.created or ca.imported record`);
    if (row.kind === 'intermediate' && !row.external && row.activatedAt !== null && row.activatedAt > row.createdAt && !rotated.has(row.id) && !imported.has(row.id)) {
      problems.push(`issuing CA ${row.id} was activated without a ca.rotated record`);
    }
  }
  for (const id of created) if (!rows.has(id)) problems.push(`ca.created names ${id}, which does not exist`);
  for (const id of rotated) if ((rows.get(id)?.activatedAt ?? null) === null) problems.push(`ca.rotated names ${id}, which was never activated`);
  return problems;
}

/**
 * Every agent has its `agent.registered` record and every registered agent that was not deleted
 * exists; every revoked token has an `access_token.revoked` record naming it, and every such record
 * that says it revoked names a revoked token.
 */
export function agentAndRevocationPairingProblems(stored: Pick<Stored, 'audit' | 'agents' | 'revoked'>): string[] {
  const problems: string[] = [];
  const registered = new Set(stored.audit.filter((r) => r.event === 'agent.registered').map((r) => r.agentId));
  const deleted = new Set(stored.audit.filter((r) => r.event === 'agent.deleted').map((r) => r.agentId));
  const agents = new Set(stored.agents.map((a) => a.id));
  for (const id of agents) if (!registered.has(id)) problems.push(`agent ${id} has no agent.registered record`);
  for (const id of registered) if (id !== null && !agents.has(id) && !deleted.has(id)) problems.push(`agent.registered names ${id}, which does not exist`);
  const revokedRecords = named(
    stored.audit.filter((r) => r.outcome === 'success' && r.details['revoked'] === true),
    ['access_token.revoked'],
    ['jti'],
  ).get('access_token.revoked') as Set<string>;
  const revoked = new Set(stored.revoked.map((r) => r.jti));
  for (const jti of revoked) if (!revokedRecords.has(jti)) problems.push(`token ${jti} is revoked without an access_token.revoked record`);
  for (const jti of revokedRecords) if (!revoked.has(jti)) problems.push(`access_token.revoked names ${jti}, which is not revoked`);
  return problems;
}

async function introspect(url: string, token: Acknowledged['tokens'][number]): Promise<{ active: boolean }> {
  const body = form({ token: token.accessToken, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(token.agent, url) });
  const response = await fetch(`${url}/introspect`, { method: 'POST', headers: FORM, body });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { active: boolean };
}

/**
 * Checks that a server that crashed (and was started again on the same data) still stands by
 * everything it acknowledged, and that its state and its audit log agree. Call it with the
 * server running on `home`. Returns every problem found, each as one sentence (empty: all kept):
 *
 * - every token a client received introspects active (inactive if its revocation was
 *   acknowledged; either if the revocation was sent and never answered), verifies against `/jwks`
 *   and has its `access_token.issued` record;
 * - every acknowledged registration, key rotation and CA rotation survived (the key or CA that
 *   became active is active or, after a later rotation, old; never prepared nor gone);
 * - every key, CA, agent and token revocation has its audit records and every such record its
 *   state (`keyPairingProblems`, `caPairingProblems`, `agentAndRevocationPairingProblems`);
 * - the audit log's hash chain verifies.
 *
 * What it does not check: that nothing unacknowledged happened (a change committed just before
 * the kill, whose answer was lost, is kept, and is the client's to retry idempotently).
 */
export async function reconcile(home: ServerHome, acknowledged: Acknowledged): Promise<string[]> {
  const problems: string[] = [];
  const stored = await readStored(home);
  if (!stored.chain.ok) problems.push(`the audit chain does not verify: ${stored.chain.problem} at seq ${stored.chain.firstBadSeq}`);

  const issued = named(stored.audit, ['access_token.issued'], ['jti']).get('access_token.issued') as Set<string>;
  const jwks = createLocalJWKSet((await (await fetch(`${home.url}/jwks`)).json()) as JSONWebKeySet);
  for (const token of acknowledged.tokens) {
    if (!issued.has(token.jti)) problems.push(`token ${token.jti} has no access_token.issued record`);
    try {
      await jwtVerify(token.accessToken, jwks, { issuer: home.url, typ: 'at+jwt' });
    } catch (error) {
      problems.push(`token ${token.jti} does not verify against /jwks: ${(error as Error).message}`);
    }
    const { active } = await introspect(home.url, token);
    const inDoubt = acknowledged.revocationsInDoubt.has(token.jti);
    const expected = !acknowledged.revoked.has(token.jti);
    if (!inDoubt && active !== expected) problems.push(`token ${token.jti} introspects ${active ? 'active' : 'inactive'}, but its revocation was ${expected ? 'never acknowledged' : 'acknowledged'}`);
  }

  for (const id of acknowledged.agents) {
    const response = await fetch(`${home.url}/admin/v1/agents/${id}`, { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    if (response.status !== 200) problems.push(`agent ${id}, whose registration was acknowledged, answers ${response.status}`);
  }

  const keys = new Map(stored.keys.map((key) => [key.kid, key]));
  for (const { activeKid, preparedKid } of acknowledged.keyRotations) {
    const active = keys.get(activeKid);
    if (active === undefined || active.state === 'prepared') problems.push(`the acknowledged key rotation to ${activeKid} did not survive (${active?.state ?? 'gone'})`);
    if (!keys.has(preparedKid)) problems.push(`the key ${preparedKid} prepared by an acknowledged rotation is gone`);
  }
  const authorities = new Map(stored.authorities.map((row) => [row.id, row]));
  for (const { activeId } of acknowledged.caRotations) {
    const row = authorities.get(activeId);
    if (row === undefined || row.state === 'prepared') problems.push(`the acknowledged CA rotation to ${activeId} did not survive (${row?.state ?? 'gone'})`);
  }

  problems.push(...keyPairingProblems(stored), ...caPairingProblems(stored), ...agentAndRevocationPairingProblems(stored));
  return problems;
}
