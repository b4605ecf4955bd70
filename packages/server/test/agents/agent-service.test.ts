import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/agents/agent-error.js';
import { AgentService, type AuditContext } from '../../src/agents/agent-service.js';
import { hashSecret, verifySecret } from '../../src/agents/client-secret.js';
import { createCommitLog } from '../../src/audit/group-commit.js';
import type { CommitLog } from '../../src/audit/commit-log.js';
import { FrozenClock } from '../../src/clock.js';
import { cryptoRandom } from '../../src/random.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { Store } from '../../src/store/store.js';

let dataDir: string;
let store: Store;
let audit: CommitLog;
let service: AgentService;
const clock = new FrozenClock(Date.UTC(2026, 2, 1));
const changed: string[] = [];
const ctx: AuditContext = { actor: 'admin:bootstrap', sourceIp: '10.0.0.1', requestId: 'req-1' };
const self = (id: string): AuditContext => ({ actor: `agent:${id}`, sourceIp: null, requestId: null });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'agentauth-agents-'));
  store = await openStore({ databaseUrl: undefined, dataDir, migrate: true });
  audit = createCommitLog({ store, flushIntervalMs: 0, logger: pino({ level: 'silent' }) });
  service = new AgentService({ clock, random: cryptoRandom, store, onAgentChanged: (id) => changed.push(id) });
});
afterAll(async () => {
  await audit.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function refused(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

describe('AgentService', () => {
  it('creates an agent with defaults, announces it, and audits without secrets', async () => {
    const created = await service.createAgent({ name: 'svc', owner: 'team', tokenEndpointAuthMethod: 'client_secret_post' }, ctx, { admin: true, via: 'admin_api' });
    expect(created.agent).toMatchObject({ status: 'active', grantTypes: ['client_credentials'], scopes: [], accessTokenTtl: null, revokedBefore: null });
    expect(created.clientSecret).toBeDefined();
    const secret = created.clientSecret as string;
    const credential = created.credentials[0];
    expect(credential?.kind).toBe('secret');
    expect(credential?.kind === 'secret' && credential.secretHash).toBe(hashSecret(secret));
    expect(credential?.kind === 'secret' && verifySecret(secret, credential.secretHash)).toBe(true);
    expect(credential?.kind === 'secret' && verifySecret(`${secret}x`, credential.secretHash)).toBe(false);
    expect(changed).toContain(created.agent.id);

    const [record] = (await store.queryAudit({ agentId: created.agent.id }, { limit: 5 })).items;
    expect(record).toMatchObject({ event: 'agent.registered', actor: 'admin:bootstrap', sourceIp: '10.0.0.1', requestId: 'req-1', outcome: 'success' });
    const text = JSON.stringify(record);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashSecret(secret));
  });

  it('issues a registration access token only when asked, storing its hash', async () => {
    const created = await service.createAgent({ name: 'reg', owner: 'team' }, ctx, { admin: true, via: 'registration', registrationAccessToken: true });
    expect(created.registrationAccessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.agent.registrationAccessTokenHash).toBe(hashSecret(created.registrationAccessToken as string));
    const plain = await service.createAgent({ name: 'plain', owner: 'team' }, ctx, { admin: true, via: 'admin_api' });
    expect(plain.registrationAccessToken).toBeUndefined();
    expect(plain.agent.registrationAccessTokenHash).toBeNull();
  });

  it('grants privileged scopes only on an administrator\'s authority, and lets a client keep those it holds', async () => {
    const error = await refused(service.createAgent({ name: 'x', owner: 'y', scopes: ['agentauth:admin'] }, ctx, { admin: false, via: 'registration' }));
    expect(error.code).toBe('forbidden');

    const held = await service.createAgent({ name: 'x', owner: 'y', scopes: ['agentauth:cert', 'a'] }, ctx, { admin: true, via: 'admin_api' });
    const id = held.agent.id;
    const kept = await service.updateAgent(id, { scopes: ['agentauth:cert', 'b'] }, self(id), { admin: false });
    expect(kept.agent.scopes).toEqual(['agentauth:cert', 'b']);
    expect((await refused(service.updateAgent(id, { scopes: ['agentauth:cert', 'agentauth:admin'] }, self(id), { admin: false }))).code).toBe('forbidden');
    expect((await store.getAgent(id))?.scopes).toEqual(['agentauth:cert', 'b']);
  });

  it('suspends at once: the cache hears of it and revokedBefore is now', async () => {
    const { agent } = await service.createAgent({ name: 's', owner: 'o' }, ctx, { admin: true, via: 'admin_api' });
    changed.length = 0;
    clock.advance(5000);
    const suspended = await service.suspend(agent.id, ctx);
    expect(suspended.agent.status).toBe('suspended');
    expect(suspended.agent.revokedBefore).toBe(clock.now());
    expect(changed).toEqual([agent.id]);
    // Suspending twice changes nothing and audits nothing more.
    await service.suspend(agent.id, ctx);
    const events = (await store.queryAudit({ agentId: agent.id, event: 'agent.suspended' }, { limit: 5 })).items;
    expect(events).toHaveLength(1);
  });

  it('records a change even when its values cannot go into the audit details', async () => {
    const { agent } = await service.createAgent({ name: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', owner: 'o' }, ctx, { admin: true, via: 'admin_api' });
    const [record] = (await store.queryAudit({ agentId: agent.id }, { limit: 5 })).items;
    expect(record?.event).toBe('agent.registered');
    expect(record?.details).toEqual({ details_omitted: true });
  });

  it('does not audit label keys that look like secrets as detail keys', async () => {
    const { agent } = await service.createAgent({ name: 'l', owner: 'o' }, ctx, { admin: true, via: 'admin_api' });
    const updated = await service.updateAgent(agent.id, { labels: { token: 'abc', secret: 'x' } }, ctx, { admin: true });
    expect(updated.agent.labels).toEqual({ token: 'abc', secret: 'x' });
    const [record] = (await store.queryAudit({ agentId: agent.id, event: 'agent.updated' }, { limit: 5 })).items;
    expect(record?.details).toEqual({ fields: ['labels'] });
  });

  it('replaces registered keys by kid and refuses a jwks_uri beside them', async () => {
    const key = async (kid: string) => ({ ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)), kid });
    const k1 = await key('k1');
    const k2 = await key('k2');
    const { agent } = await service.createAgent({ name: 'k', owner: 'o', jwks: { keys: [k1] } }, ctx, { admin: true, via: 'admin_api' });
    const replaced = await service.updateAgent(agent.id, {}, ctx, { admin: true, jwks: { keys: [k1, k2] } });
    expect(replaced.credentials.map((c) => (c.kind === 'jwk' ? c.kid : '')).sort()).toEqual(['k1', 'k2']);
    const error = await refused(service.updateAgent(agent.id, { jwksUri: 'https://keys.example.com/jwks' }, ctx, { admin: true }));
    expect(error.message).toMatch(/jwks and jwks_uri/);
    const uri = await service.updateAgent(agent.id, { jwksUri: 'https://keys.example.com/jwks' }, ctx, { admin: true, jwks: { keys: [] } });
    expect(uri.agent.jwksUri).toBe('https://keys.example.com/jwks');
    expect(uri.credentials).toEqual([]);
    expect((await refused(service.addCredential(agent.id, { type: 'jwk', jwk: k1 }, ctx))).message).toMatch(/jwks_uri/);
  });

  it('bounds the number of credentials', async () => {
    const { agent } = await service.createAgent({ name: 'many', owner: 'o', tokenEndpointAuthMethod: 'client_secret_basic' }, ctx, { admin: true, via: 'admin_api' });
    for (let i = 1; i < 20; i++) await service.addCredential(agent.id, { type: 'secret' }, ctx);
    expect((await refused(service.addCredential(agent.id, { type: 'secret' }, ctx))).message).toMatch(/at most 20/);
  });
});
