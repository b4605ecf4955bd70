import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/store/ports/conflict-error.js';
import type { Store } from '../../src/store/store.js';
import { commitContract } from './store-contract-commit.js';
import { pruneContract } from './store-contract-prune.js';
import { replayClaimsContract } from './store-contract-replay-claims.js';
import {
  T0,
  audit,
  hashRecord,
  issued,
  jwkCredential,
  newAgent,
  prefix,
  readChain,
  secretCredential,
  signingKey,
  tokenUnit,
} from './fixtures.js';

/**
 * The one store contract suite (DESIGN.md §8, house rule 8), run against every backend.
 * `open` returns a store over the SAME database each time it is called (the suite opens a second
 * store to race the first one); the database starts empty and is shared by every test here, so
 * each test works under its own id prefix.
 */
export function storeContract(open: () => Promise<Store>): void {
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    store = await open();
    other = await open();
  });
  afterAll(async () => {
    await other?.close();
    await store?.close();
  });

  describe('agents', () => {
    it('creates an agent with its credentials and reads back exactly what was written', async () => {
      const p = prefix();
      const input = newAgent(`${p}-a`, { labels: { env: 'prod', team: 'payments' }, accessTokenTtl: 120, jwksUri: 'https://a.example/jwks' });
      const created = await store.createAgent(input, [jwkCredential(input.id, `${p}-c1`), secretCredential(input.id, `${p}-c2`, T0 + 1)], T0);
      expect(created).toEqual({ ...input, revokedBefore: null, createdAt: T0, updatedAt: T0, lastSeenAt: null, version: 1 });
      expect(await store.getAgent(input.id)).toEqual(created);
      expect(await other.getAgent(input.id)).toEqual(created);
      expect(await store.listCredentials(input.id)).toEqual([jwkCredential(input.id, `${p}-c1`), secretCredential(input.id, `${p}-c2`, T0 + 1)]);
      expect(await store.getAgent(`${p}-missing`)).toBeUndefined();
    });

    it('refuses a duplicate agent id with ConflictError and writes nothing of the failed create', async () => {
      const p = prefix();
      const first = await store.createAgent(newAgent(`${p}-a`), [], T0);
      await expect(store.createAgent(newAgent(`${p}-a`, { name: 'usurper' }), [jwkCredential(`${p}-a`, `${p}-c`)], T0 + 5)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getAgent(`${p}-a`)).toEqual(first);
      expect(await store.listCredentials(`${p}-a`)).toEqual([]);
    });

    it('creates nothing when a credential id is taken (one transaction)', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [jwkCredential(`${p}-a`, `${p}-c`)], T0);
      await expect(store.createAgent(newAgent(`${p}-b`, { labels: { x: 'y' } }), [jwkCredential(`${p}-b`, `${p}-c`)], T0)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getAgent(`${p}-b`)).toBeUndefined();
      expect((await store.listAgents({ labels: { x: 'y' } }, { limit: 1000 })).items.map((a) => a.id)).not.toContain(`${p}-b`);
    });

    it('rejects credentials that belong to another agent', async () => {
      const p = prefix();
      await expect(store.createAgent(newAgent(`${p}-a`), [jwkCredential(`${p}-other`, `${p}-c`)], T0)).rejects.toBeInstanceOf(TypeError);
      expect(await store.getAgent(`${p}-a`)).toBeUndefined();
    });

    it('paginates by id with an opaque cursor, exactly at page boundaries', async () => {
      const p = prefix();
      const ids = ['e', 'a', 'd', 'b', 'c'].map((s) => `${p}-${s}`);
      for (const id of ids) await store.createAgent(newAgent(id, { owner: p }), [], T0);
      const pages: string[][] = [];
      let after: string | undefined;
      do {
        const page = await store.listAgents({ owner: p }, { limit: 2, after });
        pages.push(page.items.map((a) => a.id));
        after = page.next;
      } while (after !== undefined);
      expect(pages).toEqual([[`${p}-a`, `${p}-b`], [`${p}-c`, `${p}-d`], [`${p}-e`]]);
      const exact = await store.listAgents({ owner: p }, { limit: 5 });
      expect(exact.items).toHaveLength(5);
      expect(exact.next).toBeUndefined();
      const lastFull = await store.listAgents({ owner: p }, { limit: 4, after: (await store.listAgents({ owner: p }, { limit: 1 })).next });
      expect(lastFull.items.map((a) => a.id)).toEqual([`${p}-b`, `${p}-c`, `${p}-d`, `${p}-e`]);
      expect(lastFull.next).toBeUndefined();
      expect(await store.listAgents({ owner: `${p}-nobody` }, { limit: 10 })).toEqual({ items: [] });
    });

    it('refuses a forged cursor and an out-of-range limit', async () => {
      await expect(store.listAgents({}, { limit: 10, after: 'not base64url!' })).rejects.toBeInstanceOf(RangeError);
      await expect(store.listAgents({}, { limit: 0 })).rejects.toBeInstanceOf(TypeError);
      await expect(store.listAgents({}, { limit: 1.5 })).rejects.toBeInstanceOf(TypeError);
      await expect(store.listAgents({}, { limit: 100_000 })).rejects.toBeInstanceOf(TypeError);
    });

    it('filters on labels in the query, so pages stay full', async () => {
      const p = prefix();
      for (let i = 0; i < 8; i++) {
        const labels: Record<string, string> = i % 2 === 0 ? { group: p, env: 'prod' } : { group: p, env: 'dev' };
        await store.createAgent(newAgent(`${p}-${i}`, { labels }), [], T0);
      }
      const first = await store.listAgents({ labels: { group: p, env: 'prod' } }, { limit: 2 });
      expect(first.items.map((a) => a.id)).toEqual([`${p}-0`, `${p}-2`]);
      const second = await store.listAgents({ labels: { group: p, env: 'prod' } }, { limit: 2, after: first.next });
      expect(second.items.map((a) => a.id)).toEqual([`${p}-4`, `${p}-6`]);
      expect(second.next === undefined || (await store.listAgents({ labels: { group: p, env: 'prod' } }, { limit: 2, after: second.next })).items.length === 0).toBe(true);
      expect((await store.listAgents({ labels: { group: p, env: 'staging' } }, { limit: 10 })).items).toEqual([]);
      expect((await store.listAgents({ labels: { group: p }, status: 'active' }, { limit: 10 })).items).toHaveLength(8);
    });

    it('filters on status, owner and a case-insensitive, literal name substring', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-1`, { owner: p, name: 'Invoice_Bot 100%' }), [], T0);
      await store.createAgent(newAgent(`${p}-2`, { owner: p, name: 'invoiceXbot' }), [], T0);
      await store.createAgent(newAgent(`${p}-3`, { owner: p, name: 'Été Reporter' }), [], T0);
      await store.setAgentStatus(`${p}-2`, 'suspended', T0 + 1);
      const ids = async (filter: Parameters<Store['listAgents']>[0]) => (await store.listAgents({ owner: p, ...filter }, { limit: 10 })).items.map((a) => a.id);
      expect(await ids({ nameContains: 'INVOICE' })).toEqual([`${p}-1`, `${p}-2`]);
      expect(await ids({ nameContains: 'e_b' })).toEqual([`${p}-1`]);
      expect(await ids({ nameContains: '100%' })).toEqual([`${p}-1`]);
      expect(await ids({ nameContains: 'été' })).toEqual([`${p}-3`]);
      expect(await ids({ status: 'suspended' })).toEqual([`${p}-2`]);
      expect(await ids({ status: 'active', nameContains: 'bot' })).toEqual([`${p}-1`]);
    });

    it('updates only the given fields, bumping version and updatedAt', async () => {
      const p = prefix();
      const created = await store.createAgent(newAgent(`${p}-a`, { labels: { group: p, env: 'prod' }, accessTokenTtl: 60 }), [], T0);
      const updated = await store.updateAgent(`${p}-a`, { name: 'renamed', scopes: ['a', 'b'], accessTokenTtl: null, labels: { group: p, env: 'dev' } }, T0 + 10);
      expect(updated).toEqual({ ...created, name: 'renamed', scopes: ['a', 'b'], accessTokenTtl: null, labels: { group: p, env: 'dev' }, updatedAt: T0 + 10, version: 2 });
      expect(await store.getAgent(`${p}-a`)).toEqual(updated);
      expect((await store.listAgents({ labels: { group: p, env: 'prod' } }, { limit: 10 })).items).toEqual([]);
      expect((await store.listAgents({ labels: { group: p, env: 'dev' } }, { limit: 10 })).items.map((a) => a.id)).toEqual([`${p}-a`]);
      expect((await store.updateAgent(`${p}-a`, {}, T0 + 20))?.version).toBe(3);
      expect(await store.updateAgent(`${p}-missing`, { name: 'x' }, T0)).toBeUndefined();
    });

    it('suspending revokes every token held; resuming keeps them revoked', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const suspended = await store.setAgentStatus(`${p}-a`, 'suspended', T0 + 100);
      expect(suspended).toMatchObject({ status: 'suspended', revokedBefore: T0 + 100, updatedAt: T0 + 100, version: 2 });
      expect(await store.setAgentStatus(`${p}-a`, 'suspended', T0 + 150)).toEqual(suspended);
      const resumed = await store.setAgentStatus(`${p}-a`, 'active', T0 + 200);
      expect(resumed).toMatchObject({ status: 'active', revokedBefore: T0 + 100, version: 3 });
      const disabled = await store.setAgentStatus(`${p}-a`, 'disabled', T0 + 300);
      expect(disabled).toMatchObject({ status: 'disabled', revokedBefore: T0 + 300, version: 4 });
      expect(await store.getAgent(`${p}-a`)).toEqual(disabled);
      expect(await store.setAgentStatus(`${p}-missing`, 'suspended', T0)).toBeUndefined();
    });

    it('deletes an agent with its credentials and labels', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`, { labels: { group: p } }), [jwkCredential(`${p}-a`, `${p}-c`)], T0);
      expect(await store.deleteAgent(`${p}-a`)).toBe(true);
      expect(await store.getAgent(`${p}-a`)).toBeUndefined();
      expect(await store.listCredentials(`${p}-a`)).toEqual([]);
      expect((await store.listAgents({ labels: { group: p } }, { limit: 10 })).items).toEqual([]);
      expect(await store.deleteAgent(`${p}-a`)).toBe(false);
      // The cascade really removed the rows: the same ids are free again.
      await store.createAgent(newAgent(`${p}-a`, { labels: { group: p } }), [jwkCredential(`${p}-a`, `${p}-c`)], T0 + 1);
      expect(await store.listCredentials(`${p}-a`)).toHaveLength(1);
    });

    it('records last-seen times in a batch without touching version or the change counter', async () => {
      const p = prefix();
      for (const s of ['a', 'b', 'c']) await store.createAgent(newAgent(`${p}-${s}`), [], T0);
      const counter = await store.agentsChangeCounter();
      await store.touchAgents(new Map([[`${p}-a`, T0 + 5], [`${p}-b`, T0 + 6], [`${p}-ghost`, T0 + 7]]));
      await store.touchAgents(new Map());
      expect((await store.getAgent(`${p}-a`))?.lastSeenAt).toBe(T0 + 5);
      expect(await store.getAgent(`${p}-b`)).toMatchObject({ lastSeenAt: T0 + 6, version: 1, updatedAt: T0 });
      expect((await store.getAgent(`${p}-c`))?.lastSeenAt).toBeNull();
      expect(await store.agentsChangeCounter()).toBe(counter);
    });
  });

  describe('credentials', () => {
    it('adds, lists and removes credentials of one agent only', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [jwkCredential(`${p}-a`, `${p}-c1`)], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      await store.addCredential(secretCredential(`${p}-a`, `${p}-c2`, T0 + 1));
      expect((await store.listCredentials(`${p}-a`)).map((c) => c.id)).toEqual([`${p}-c1`, `${p}-c2`]);
      await expect(store.addCredential(jwkCredential(`${p}-b`, `${p}-c1`))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.removeCredential(`${p}-b`, `${p}-c1`)).toBe(false);
      expect(await store.removeCredential(`${p}-a`, `${p}-c1`)).toBe(true);
      expect(await store.removeCredential(`${p}-a`, `${p}-c1`)).toBe(false);
      expect((await store.listCredentials(`${p}-a`)).map((c) => c.id)).toEqual([`${p}-c2`]);
    });

    it('refuses a credential for an agent that does not exist', async () => {
      const p = prefix();
      const attempt = store.addCredential(jwkCredential(`${p}-ghost`, `${p}-c`));
      await expect(attempt).rejects.toThrow('belongs to no agent');
      await expect(attempt).rejects.not.toBeInstanceOf(ConflictError);
      expect(await store.listCredentials(`${p}-ghost`)).toEqual([]);
    });
  });

  describe('agents change counter', () => {
    it('moves on every agent or credential change, seen by every store, and on nothing else', async () => {
      const p = prefix();
      const seen: number[] = [await store.agentsChangeCounter()];
      const step = async (change: () => Promise<unknown>) => {
        await change();
        seen.push(await other.agentsChangeCounter());
      };
      await step(() => store.createAgent(newAgent(`${p}-a`), [], T0));
      await step(() => store.updateAgent(`${p}-a`, { description: 'x' }, T0 + 1));
      await step(() => store.setAgentStatus(`${p}-a`, 'suspended', T0 + 2));
      await step(() => store.addCredential(jwkCredential(`${p}-a`, `${p}-c`)));
      await step(() => store.removeCredential(`${p}-a`, `${p}-c`));
      await step(() => store.deleteAgent(`${p}-a`));
      for (let i = 1; i < seen.length; i++) expect(seen[i], `change ${i}`).toBeGreaterThan(seen[i - 1] as number);

      const before = await store.agentsChangeCounter();
      await store.deleteAgent(`${p}-a`);
      await store.removeCredential(`${p}-a`, `${p}-c`);
      await store.updateAgent(`${p}-a`, { name: 'x' }, T0);
      await expect(store.createAgent(newAgent(`${p}-b`), [jwkCredential(`${p}-zz`, `${p}-c`)], T0)).rejects.toThrow();
      expect(await store.agentsChangeCounter()).toBe(before);
    });
  });

  describe('signing keys', () => {
    const mine = (p: string, keys: { kid: string }[]) => keys.filter((k) => k.kid.startsWith(p)).map((k) => k.kid);

    it('applies a plan and lists only keys not yet expired', async () => {
      const p = prefix();
      const result = await store.mutateSigningKeys(T0, () => ({
        insert: [signingKey(`${p}-1`, { state: 'active', activatedAt: T0 }), signingKey(`${p}-2`, { expiresAt: T0 + 1000 }), signingKey(`${p}-3`, { expiresAt: T0 + 10 })],
        update: [],
        remove: [],
      }));
      expect(mine(p, result)).toEqual([`${p}-1`, `${p}-2`, `${p}-3`]);
      expect(result.find((k) => k.kid === `${p}-1`)).toEqual(signingKey(`${p}-1`, { state: 'active', activatedAt: T0 }));
      expect(mine(p, await other.listSigningKeys(T0 + 10))).toEqual([`${p}-1`, `${p}-2`, `${p}-3`]);
      expect(mine(p, await store.listSigningKeys(T0 + 11))).toEqual([`${p}-1`, `${p}-2`]);

      const retired = signingKey(`${p}-1`, { state: 'retired', activatedAt: T0, retiredAt: T0 + 20, expiresAt: T0 + 500 });
      const after = await store.mutateSigningKeys(T0 + 20, (current) => {
        expect(mine(p, current)).toEqual([`${p}-1`, `${p}-2`]);
        return { insert: [], update: [retired], remove: [`${p}-2`] };
      });
      expect(after.filter((k) => k.kid.startsWith(p))).toEqual([retired]);
    });

    it('rolls the whole plan back when it throws or updates a key that is not live', async () => {
      const p = prefix();
      await expect(
        store.mutateSigningKeys(T0, () => {
          throw new Error('plan failed');
        }),
      ).rejects.toThrow('plan failed');
      await expect(store.mutateSigningKeys(T0, () => ({ insert: [signingKey(`${p}-new`)], update: [signingKey(`${p}-ghost`)], remove: [] }))).rejects.toThrow(
        'not live',
      );
      expect(mine(p, await store.listSigningKeys(T0))).toEqual([]);
    });

    it('serialises plans from two stores: both see the other, exactly one creates the key', async () => {
      const p = prefix();
      const plan = (current: { kid: string }[]) =>
        mine(p, current).length > 0 ? { insert: [], update: [], remove: [] } : { insert: [signingKey(`${p}-${prefix()}`)], update: [], remove: [] };
      await Promise.all([0, 1, 2, 3].map((i) => (i % 2 === 0 ? store : other).mutateSigningKeys(T0, plan)));
      expect(mine(p, await store.listSigningKeys(T0))).toHaveLength(1);
    });
  });

  describe('tokens', () => {
    it('revokes a token once, idempotently, and lists revocations from an instant on', async () => {
      const p = prefix();
      const record = { jti: `${p}-j1`, agentId: `${p}-a`, revokedAt: T0 + 100, expiresAt: T0 + 1000 };
      expect(await store.isTokenRevoked(record.jti)).toBe(false);
      expect(await store.revokeToken(record)).toBe(true);
      expect(await other.revokeToken({ ...record, revokedAt: T0 + 999 })).toBe(false);
      expect(await store.isTokenRevoked(record.jti)).toBe(true);
      await store.revokeToken({ ...record, jti: `${p}-j2`, revokedAt: T0 + 200 });
      const since = async (t: number) => (await store.listRevokedTokensSince(t)).filter((r) => r.jti.startsWith(p));
      expect(await since(T0 + 100)).toEqual([record, { ...record, jti: `${p}-j2`, revokedAt: T0 + 200 }]);
      expect((await since(T0 + 101)).map((r) => r.jti)).toEqual([`${p}-j2`]);
      expect(await since(T0 + 201)).toEqual([]);
    });

    it('reads a token\u2019s record and revocation at once (getTokenState), for issued, revoked and unknown jtis', async () => {
      const p = prefix();
      await store.commitUnits([tokenUnit(p, `${p}-k1`, `${p}-j1`), tokenUnit(p, `${p}-k2`, `${p}-j2`)], hashRecord);
      await store.revokeToken({ jti: `${p}-j2`, agentId: p, revokedAt: T0, expiresAt: T0 + 300_000 });
      await store.revokeToken({ jti: `${p}-gone`, agentId: p, revokedAt: T0, expiresAt: T0 + 300_000 });
      // No agent of that id exists: the record comes without one.
      expect(await store.getTokenState(`${p}-j1`)).toEqual({ issued: issued(p, `${p}-j1`), revoked: false, agent: undefined });
      expect(await store.getTokenState(`${p}-j2`)).toEqual({ issued: issued(p, `${p}-j2`), revoked: true, agent: undefined });
      // Revoked, but its issued record is not kept (pruned): still revoked.
      expect(await store.getTokenState(`${p}-gone`)).toEqual({ issued: undefined, revoked: true, agent: undefined });
      expect(await store.getTokenState(`${p}-never`)).toEqual({ issued: undefined, revoked: false, agent: undefined });
      // A record of an existing agent comes with that agent's standing, exactly as getAgentStanding reads it.
      await store.createAgent(newAgent(`${p}-agent`, { labels: { team: 'x' }, scopes: ['a', 'b'] }), [], T0);
      await store.commitUnits([tokenUnit(`${p}-agent`, `${p}-k3`, `${p}-j3`)], hashRecord);
      expect((await store.getTokenState(`${p}-j3`)).agent).toEqual({ id: `${p}-agent`, status: 'active', revokedBefore: null });
      await store.setAgentStatus(`${p}-agent`, 'suspended', T0 + 5);
      const withAgent = await store.getTokenState(`${p}-j3`);
      expect(withAgent.agent).toEqual({ id: `${p}-agent`, status: 'suspended', revokedBefore: T0 + 5 });
      expect(withAgent.agent).toEqual(await store.getAgentStanding(`${p}-agent`));
      expect(await store.getAgentStanding(`${p}-nobody`)).toBeUndefined();
      expect(withAgent.issued).toEqual(issued(`${p}-agent`, `${p}-j3`));
      // The digest kept at issuance comes back exactly.
      expect((await store.getTokenState(`${p}-j1`)).issued?.tokenDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('lists an agent\u2019s unexpired tokens, as subject or as client, oldest first, paging at exact boundaries', async () => {
      const p = prefix();
      const now = T0 + 1_000;
      const mine = (jti: string, over: Partial<ReturnType<typeof issued>> = {}) => ({ ...issued(`${p}-a`, `${p}-${jti}`), ...over });
      const tokens = [
        mine('t3', { issuedAt: T0 + 30 }),
        mine('t1', { issuedAt: T0 + 10 }),
        mine('t2b', { issuedAt: T0 + 20 }),
        mine('t2a', { issuedAt: T0 + 20 }),
        // Obtained by the agent on behalf of another subject (RFC 8693), and the reverse.
        mine('x1', { agentId: `${p}-b`, issuedAt: T0 + 40, parentJti: `${p}-t1` }),
        mine('x2', { clientId: `${p}-b`, issuedAt: T0 + 50, parentJti: `${p}-t1` }),
        mine('expired', { issuedAt: T0 + 5, expiresAt: now }),
        { ...issued(`${p}-b`, `${p}-other`), issuedAt: T0 + 15 },
      ];
      await store.commitUnits([{ claims: [], audit: [], issuedTokens: tokens, onReplay: [] }], hashRecord);
      await store.revokeToken({ jti: `${p}-t3`, agentId: `${p}-a`, revokedAt: T0, expiresAt: T0 + 300_000 });
      const all = await store.listAgentTokens(`${p}-a`, now, { limit: 50 });
      expect(all).toEqual({ items: ['t1', 't2a', 't2b', 't3', 'x1', 'x2'].map((jti) => tokens.find((t) => t.jti === `${p}-${jti}`)) });
      const first = await store.listAgentTokens(`${p}-a`, now, { limit: 3 });
      expect(first.items.map((t) => t.jti)).toEqual([`${p}-t1`, `${p}-t2a`, `${p}-t2b`]);
      const second = await other.listAgentTokens(`${p}-a`, now, { limit: 3, after: first.next as string });
      expect(second).toEqual({ items: all.items.slice(3) });
      expect((await store.listAgentTokens(`${p}-nobody`, now, { limit: 5 })).items).toEqual([]);
      for (const forged of ['', 'x', Buffer.from('1.').toString('base64url'), Buffer.from('01.j').toString('base64url')]) {
        await expect(store.listAgentTokens(`${p}-a`, now, { limit: 3, after: forged })).rejects.toBeInstanceOf(RangeError);
      }
    });
  });

  commitContract(() => ({ store, other }));
  pruneContract(() => store);
  replayClaimsContract(() => store);

  describe('audit queries', () => {
    it('filters by agent, event, outcome and [from, to), paging by seq', async () => {
      const p = prefix();
      const inputs = [
        audit(p, { time: T0 + 1 }),
        audit(p, { time: T0 + 2, event: 'access_token.denied', outcome: 'failure' }),
        audit(p, { time: T0 + 3 }),
        audit(`${p}-other`, { time: T0 + 3 }),
        audit(p, { time: T0 + 4 }),
      ];
      await store.commitUnits([{ claims: [], audit: inputs, issuedTokens: [], onReplay: [] }], hashRecord);
      const times = async (filter: Parameters<Store['queryAudit']>[0]) => (await store.queryAudit(filter, { limit: 10 })).items.map((r) => r.time - T0);
      expect(await times({ agentId: p })).toEqual([1, 2, 3, 4]);
      expect(await times({ agentId: p, outcome: 'failure' })).toEqual([2]);
      expect(await times({ agentId: p, event: 'access_token.issued' })).toEqual([1, 3, 4]);
      expect(await times({ agentId: p, from: T0 + 2, to: T0 + 4 })).toEqual([2, 3]);

      const first = await store.queryAudit({ agentId: p }, { limit: 3 });
      expect(first.items.map((r) => r.time - T0)).toEqual([1, 2, 3]);
      const second = await store.queryAudit({ agentId: p }, { limit: 3, after: first.next });
      expect(second.items.map((r) => r.time - T0)).toEqual([4]);
      expect(second.next).toBeUndefined();
      expect(first.next).toBe(String(first.items[2]?.seq));
      await expect(store.queryAudit({}, { limit: 3, after: '-1' })).rejects.toBeInstanceOf(RangeError);
      await expect(store.queryAudit({}, { limit: 3, after: '1e3' })).rejects.toBeInstanceOf(RangeError);
    });

    it('reads a range of the chain from a seq, in order and bounded', async () => {
      const chain = await readChain(store);
      expect(chain.length).toBeGreaterThan(3);
      expect(await store.readAuditRange(2, 2)).toEqual(chain.slice(1, 3));
      expect(await store.readAuditRange(chain.length + 1, 10)).toEqual([]);
      await expect(store.readAuditRange(1, 0)).rejects.toBeInstanceOf(TypeError);
    });
  });

  describe('settings', () => {
    it('inserts a setting only if absent: of two racing stores exactly one wins', async () => {
      const name = `${prefix()}-setting`;
      expect(await store.getSetting(name)).toBeUndefined();
      const won = await Promise.all([store.insertSettingIfAbsent(name, 'one'), other.insertSettingIfAbsent(name, 'two')]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await other.getSetting(name)).toBe(won[0] ? 'one' : 'two');
    });
  });

  describe('liveness', () => {
    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('closes idempotently', async () => {
      const extra = await open();
      await extra.close();
      await extra.close();
      await expect(extra.ping()).rejects.toThrow();
    });
  });
}
