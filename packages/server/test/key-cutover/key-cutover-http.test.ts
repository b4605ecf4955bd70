import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../../src/clock.js';
import { roleAllows } from '../../src/people/admin-roles.js';
import type { AuditRecord } from '../../src/store/records.js';
import { accessToken, call, createData, pollSets, receiverAgent, startServer, verifySet, type RunningServer, type SignalsData } from '../signals/ssf-harness.js';
import { readChain } from '../store/fixtures.js';
import { BACKENDS, type TestAgent } from '../support/test-server.js';
import { admin, cutoverAgents, doors, verifies, webhookReceiver, WEBHOOK_SECRET } from './cutover-harness.js';

const API = 'https://api.example.com';
const OTHER = 'https://reports.example.com';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const DAY0 = Date.UTC(2026, 11, 7, 12);
const BLOCK = Date.UTC(2027, 2, 1);
const LINK = 'https://wiki.example.com/move-off-keys';

/*
 * One fleet on a frozen clock, through the real listening server:
 *   legacy-cron holds managed keys WARNED (its agent's rule), EXEMPT (its own allow rule) and
 *   BLOCKED (its own block rule), and imported key IMPORTED; the agent's rule warns from now and
 *   blocks from 2027-03-01; a resource rule blocks every key at reports.example.com now.
 */
describe.each(BACKENDS)('staged key cut-over (%s)', (backend) => {
  let data: SignalsData;
  let running: RunningServer;
  let rx: Awaited<ReturnType<typeof webhookReceiver>>;
  let legacy: TestAgent;
  let door: ReturnType<typeof doors>;
  let receiverToken: string;
  let receiver: TestAgent;
  let pollUrl: string;
  const keys: Record<'warned' | 'exempt' | 'blocked', { id: string; key: string }> = {} as never;
  let imported: { id: string; digest: string };

  const audit = async (event: string): Promise<AuditRecord[]> => (await readChain(running.server.deps.store)).filter((record) => record.event === event);
  const events = async (): Promise<Record<string, unknown>[]> => {
    const { sets } = await pollSets(running, pollUrl, receiverToken);
    const claims = await Promise.all(Object.values(sets).map(async (set) => (await verifySet(running, set, receiver.id)).claims));
    await pollSets(running, pollUrl, receiverToken, { ack: Object.keys(sets), maxEvents: 0 });
    return claims.map((c) => (c.events as Record<string, Record<string, unknown>>)[CREDENTIAL_CHANGE]).filter((e): e is Record<string, unknown> => e !== undefined);
  };
  const setRule = async (body: Record<string, unknown>) => {
    const response = await admin(running, 'POST', '/migration/cutover/rules', body);
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    return response.json;
  };

  beforeAll(async () => {
    rx = await webhookReceiver();
    data = await createData(backend);
    running = await startServer(
      data,
      { AGENTAUTH_KEY_CUTOVER_WEBHOOK: rx.url, AGENTAUTH_KEY_CUTOVER_WEBHOOK_SECRET: WEBHOOK_SECRET, AGENTAUTH_KEY_CUTOVER_ALLOW_PRIVATE_WEBHOOK: 'true' },
      new FrozenClock(DAY0),
    );
    const agents = await cutoverAgents(running, [API, OTHER]);
    legacy = agents.legacy;
    door = doors(running, agents.basic);
    for (const name of ['warned', 'exempt', 'blocked'] as const) {
      const created = await admin(running, 'POST', `/agents/${legacy.id}/api-keys`, { ttl: 90 * 86_400 });
      keys[name] = { id: (created.json.api_key as { id: string }).id, key: created.json.key as string };
    }
    const digest = createHash('sha256').update(`sk_live_${randomBytes(16).toString('hex')}`).digest('hex');
    const done = await admin(running, 'POST', '/imported-keys/import', { keys: [{ key_digest: digest, agent_id: legacy.id }] });
    imported = { id: (done.json.items as { id: string }[])[0]!.id, digest };

    receiver = await receiverAgent(running.server);
    receiverToken = await accessToken(running, receiver);
    const stream = await call(running, 'POST', '/ssf/streams', receiverToken, { events_requested: [CREDENTIAL_CHANGE] });
    pollUrl = (stream.body as { delivery: { endpoint_url: string } }).delivery.endpoint_url;

    await setRule({ scope: 'agent', target: legacy.id, warn_from: new Date(DAY0).toISOString(), block_from: new Date(BLOCK).toISOString(), link: LINK });
    await setRule({ scope: 'key', target: keys.exempt.id });
    await setRule({ scope: 'key', target: keys.blocked.id, block_from: new Date(DAY0 - 60_000).toISOString() });
    await setRule({ scope: 'resource', target: OTHER, block_from: new Date(DAY0).toISOString() });
  });
  afterAll(async () => {
    await running?.stop();
    await data?.destroy();
    await rx?.close();
  });

  it('warns: the key is accepted, the answer says until when, each use is audited', async () => {
    const answer = await door.introspect(keys.warned.key, API);
    expect(answer.json).toMatchObject({ active: true, key_id: keys.warned.id, cutover: { stage: 'warn', warn_from: DAY0 / 1000, block_from: BLOCK / 1000, link: LINK } });
    await door.introspect(keys.warned.key, API);
    const warned = (await audit('key_cutover.warned')).filter((r) => r.details['managed_key_id'] === keys.warned.id);
    expect(warned).toHaveLength(2);
    expect(warned[0]).toMatchObject({ outcome: 'success', agentId: legacy.id, details: { scope: 'agent', target: legacy.id, via: 'introspection', block_from: new Date(BLOCK).toISOString() } });
    // An imported key of the same agent is warned the same way at the digest endpoint.
    expect((await door.digest(imported.digest, API)).json).toMatchObject({ active: true, key_id: imported.id, cutover: { stage: 'warn', block_from: BLOCK / 1000 } });
    // The exchange still issues a token, and the warning is in its record.
    const exchanged = await door.exchange(keys.warned.key, API);
    expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200);
    expect((await audit('access_token.issued')).at(-1)?.details).toMatchObject({ managed_key_id: keys.warned.id, cutover_stage: 'warn' });
  });

  it('tells the owner and the subscribed streams once per key and stage, not per request', async () => {
    await running.server.keyCutover.delivery?.idle();
    const warnPosts = rx.posted.filter((p) => p.json.type === 'key_cutover.warn');
    expect(warnPosts.map((p) => (p.json.key_cutover.key as { id: string }).id).sort()).toEqual([keys.warned.id, imported.id].sort());
    for (const post of warnPosts) expect(verifies(post)).toBe(true);
    expect(warnPosts[0]?.json.key_cutover).toMatchObject({ stage: 'warn', agent: { id: legacy.id, name: 'legacy-cron', owner: 'team-test' }, rule: { scope: 'agent', block_from: new Date(BLOCK).toISOString(), link: LINK } });
    expect(warnPosts[0]?.json.text).toContain('will be refused from 2027-03-01T00:00:00.000Z');
    for (const post of rx.posted) expect(post.body).not.toContain(imported.digest);
    expect(await audit('key_cutover.notified')).toHaveLength(rx.posted.length);

    const warnedEvents = (await events()).filter((e) => e['change_type'] === 'update');
    expect(warnedEvents.map((e) => e['friendly_name']).sort()).toEqual([keys.warned.id, imported.id].sort());
    expect(warnedEvents[0]).toMatchObject({ credential_type: 'api-key', initiating_entity: 'policy' });
  });

  it('allows a key whose own rule says allow, whatever its agent\'s rule; an agent rule beats a resource rule', async () => {
    const exempt = await door.introspect(keys.exempt.key, API);
    expect(exempt.json).toMatchObject({ active: true, key_id: keys.exempt.id });
    expect(exempt.json).not.toHaveProperty('cutover');
    expect((await door.introspect(keys.exempt.key, OTHER)).json).toMatchObject({ active: true });
    // The agent's rule (warn) is more specific than the block at reports.example.com.
    expect((await door.introspect(keys.warned.key, OTHER)).json).toMatchObject({ active: true, cutover: { stage: 'warn' } });
  });

  it('blocks: refused at every door with the usual answers, audited', async () => {
    expect((await door.introspect(keys.blocked.key, API)).json).toEqual({ active: false });
    const exchange = await door.exchange(keys.blocked.key, API);
    expect(exchange.status).toBe(400);
    expect(exchange.json).toMatchObject({ error: 'invalid_request' });
    const blocked = (await audit('key_cutover.blocked')).filter((r) => r.details['managed_key_id'] === keys.blocked.id);
    expect(blocked.map((r) => r.details['via'])).toEqual(['introspection', 'token_exchange']);
    expect(blocked[0]).toMatchObject({ outcome: 'failure', reason: expect.stringContaining(`key ${keys.blocked.id} is blocked`) });
    expect((await audit('access_token.introspected')).at(-1)).toMatchObject({ reason: expect.stringContaining('blocked by cut-over rule'), details: { active: false } });
    expect((await events()).map((e) => [e['friendly_name'], e['change_type']])).toEqual([[keys.blocked.id, 'revoke']]);
  });

  it('dry run: who a date would block, with agents, resources and last use', async () => {
    const now = await admin(running, 'GET', `/migration/cutover/plan`);
    expect((now.json.blocked as { id: string }[]).map((k) => k.id)).toEqual([keys.blocked.id]);
    const later = await admin(running, 'GET', `/migration/cutover/plan?at=${encodeURIComponent(new Date(BLOCK).toISOString())}`);
    expect(later.status).toBe(200);
    const blocked = later.json.blocked as { id: string; resources: string[]; rule: { scope: string }; last_used_at: string | null }[];
    expect(blocked.map((k) => k.id).sort()).toEqual([keys.warned.id, keys.blocked.id, imported.id].sort());
    expect(blocked.find((k) => k.id === keys.warned.id)).toMatchObject({ resources: [API, OTHER], rule: { scope: 'agent' }, last_used_at: new Date(DAY0).toISOString() });
    expect(later.json.agents).toEqual([{ agent_id: legacy.id, blocked_keys: 3 }]);
    // The exempt key's own allow rule wins everywhere, the resource's block included.
    expect(blocked.some((k) => k.id === keys.exempt.id)).toBe(false);
    expect((await admin(running, 'GET', '/migration/cutover/plan?at=tomorrow')).status).toBe(400);
  });

  it('a block date that arrives is recorded once, then refuses the warned keys and notifies once more', async () => {
    running.clock.set(BLOCK + 1_000);
    // The stream's reader needs a token of this day.
    receiverToken = await accessToken(running, receiver);
    expect((await door.introspect(keys.warned.key, API)).json).toEqual({ active: false });
    expect((await door.introspect(keys.warned.key, API)).json).toEqual({ active: false });
    expect((await door.digest(imported.digest, API)).json).toEqual({ active: false });
    const effective = (await audit('key_cutover.stage_effective')).filter((r) => r.details['target'] === legacy.id);
    expect(effective).toHaveLength(1);
    expect(effective[0]).toMatchObject({ actor: 'system', details: { from: 'warn', to: 'block', effective_at: new Date(BLOCK).toISOString() } });
    await running.server.keyCutover.delivery?.idle();
    const blockPosts = rx.posted.filter((p) => p.json.type === 'key_cutover.block' && (p.json.key_cutover.key as { id: string }).id === keys.warned.id);
    expect(blockPosts).toHaveLength(1);
    expect((await events()).filter((e) => e['change_type'] === 'revoke').map((e) => e['friendly_name']).sort()).toEqual([keys.warned.id, imported.id].sort());
  });

  it('lists, changes and clears rules, each change audited; operators set them, auditors read them', async () => {
    const listed = await admin(running, 'GET', '/migration/cutover/rules');
    expect((listed.json.items as { scope: string; target: string; stage: string }[]).find((r) => r.target === legacy.id)).toMatchObject({ scope: 'agent', stage: 'block' });
    const changed = await setRule({ scope: 'agent', target: legacy.id, warn_from: new Date(BLOCK).toISOString() });
    expect(changed).toMatchObject({ stage: 'warn', version: 2, block_from: null });
    expect((await door.introspect(keys.warned.key, API)).json).toMatchObject({ active: true, cutover: { stage: 'warn' } });
    const set = (await audit('key_cutover.rule_set')).filter((r) => r.details['target'] === legacy.id);
    expect(set.map((r) => [r.details['previous_stage'], r.details['stage']])).toEqual([[null, 'warn'], ['block', 'warn']]);
    expect((await admin(running, 'POST', '/migration/cutover/rules/clear', { scope: 'resource', target: OTHER })).status).toBe(200);
    expect((await admin(running, 'POST', '/migration/cutover/rules/clear', { scope: 'resource', target: OTHER })).status).toBe(404);
    expect(await audit('key_cutover.rule_cleared')).toHaveLength(1);

    expect((await admin(running, 'POST', '/migration/cutover/rules', { scope: 'agent', target: legacy.id, warn_from: '2027-05-01T00:00:00Z', block_from: '2027-04-01T00:00:00Z' })).json).toMatchObject({ code: 'validation_failed' });
    expect((await admin(running, 'POST', '/migration/cutover/rules', { scope: 'agent', target: 'agt_nobody' })).status).toBe(404);
    expect((await admin(running, 'POST', '/migration/cutover/rules', { scope: 'key', target: 'ak_nonexistent' })).status).toBe(404);
    expect((await admin(running, 'POST', '/migration/cutover/rules', { scope: 'resource', target: 'not a url' })).json).toMatchObject({ code: 'validation_failed' });
    expect((await admin(running, 'POST', '/migration/cutover/rules', { scope: 'resource', target: API, link: 'http://wiki.example.com/' })).json).toMatchObject({ code: 'validation_failed' });
    expect(roleAllows(['operator'], 'POST', '/migration/cutover/rules')).toBe(true);
    expect(roleAllows(['auditor'], 'POST', '/migration/cutover/rules')).toBe(false);
    expect(roleAllows(['auditor'], 'GET', '/migration/cutover/plan')).toBe(true);
  });
});
