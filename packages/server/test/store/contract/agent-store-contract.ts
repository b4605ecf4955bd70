import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, chainDefects, jwkCredential, newAgent, prefix, readChain, secretCredential } from '../fixtures.js';

/** The `AgentStore` contract: agents, their credentials, the change counter. */
export function agentStoreContract(stores: () => ContractStores): void {
  describe('AgentStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
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

      it('writes each change\u2019s audit records in its transaction, and none of a change that does not happen', async () => {
        const p = prefix();
        const id = `${p}-a`;
        const mine = async () => (await readChain(other)).filter((r) => r.agentId === id).map((r) => r.event);
        await store.createAgent(newAgent(id), [], T0, [audit(id, { event: 'agent.registered' })]);
        await store.updateAgent(id, { name: 'renamed' }, T0 + 1, { addCredentials: [jwkCredential(id, `${p}-k1`)], audit: [audit(id, { event: 'agent.updated' }), audit(id, { event: 'credential.added' })] });
        await store.updateAgent(id, {}, T0 + 2, { removeCredentialIds: [`${p}-k1`], audit: [audit(id, { event: 'credential.removed' })] });
        await store.addCredential(jwkCredential(id, `${p}-k2`), [audit(id, { event: 'credential.added' })]);
        await store.removeCredential(id, `${p}-k2`, [audit(id, { event: 'credential.removed' })]);
        await store.setAgentStatus(id, 'suspended', T0 + 3, [audit(id, { event: 'agent.suspended' })]);
        // The status it already has: nothing changes, nothing is recorded.
        await store.setAgentStatus(id, 'suspended', T0 + 4, [audit(id, { event: 'agent.suspended' })]);
        expect(await store.removeCredential(id, `${p}-gone`, [audit(id, { event: 'credential.removed' })])).toBe(false);
        expect(await store.updateAgent(`${p}-missing`, { name: 'x' }, T0, { audit: [audit(`${p}-missing`, { event: 'agent.updated' })] })).toBeUndefined();
        await store.deleteAgent(id, [audit(id, { event: 'agent.deleted' })]);
        expect(await mine()).toEqual(['agent.registered', 'agent.updated', 'credential.added', 'credential.removed', 'credential.added', 'credential.removed', 'agent.suspended', 'agent.deleted']);
        expect(chainDefects(await readChain(other))).toEqual([]);

        // A record the log refuses fails the change with it.
        const refused = (agentId: string) => [audit(agentId, { event: 'agent.lost' as never })];
        await expect(store.createAgent(newAgent(`${p}-b`), [], T0, refused(`${p}-b`))).rejects.toThrow(TypeError);
        expect(await other.getAgent(`${p}-b`)).toBeUndefined();
        const c = await store.createAgent(newAgent(`${p}-c`), [], T0);
        await expect(store.setAgentStatus(c.id, 'disabled', T0 + 1, refused(c.id))).rejects.toThrow(TypeError);
        await expect(store.updateAgent(c.id, { name: 'renamed' }, T0 + 1, { addCredentials: [jwkCredential(c.id, `${p}-c1`)], audit: refused(c.id) })).rejects.toThrow(TypeError);
        await expect(store.deleteAgent(c.id, refused(c.id))).rejects.toThrow(TypeError);
        expect(await other.getAgent(c.id)).toEqual(c);
        expect(await other.listCredentials(c.id)).toEqual([]);
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

      it('filters on any of several owners, each exactly', async () => {
        const p = prefix();
        await store.createAgent(newAgent(`${p}-1`, { owner: `${p}@example.com` }), [], T0);
        await store.createAgent(newAgent(`${p}-2`, { owner: `group:${p}` }), [], T0);
        await store.createAgent(newAgent(`${p}-3`, { owner: `${p.toUpperCase()}@EXAMPLE.COM` }), [], T0);
        await store.createAgent(newAgent(`${p}-4`, { owner: `${p}-other` }), [], T0);
        const ids = async (owners: string[]) => (await store.listAgents({ owners }, { limit: 10 })).items.map((a) => a.id);
        expect(await ids([`${p}@example.com`, `group:${p}`, `${p}-nobody`])).toEqual([`${p}-1`, `${p}-2`]);
        expect(await ids([`group:${p}`])).toEqual([`${p}-2`]);
        expect(await ids([])).toEqual([]);
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

      it('keeps redirect URIs in order, and an empty list reads back as none', async () => {
        const p = prefix();
        const created = await store.createAgent(newAgent(`${p}-r`, { redirectUris: ['https://a.example.com/cb', 'http://127.0.0.1:9/cb'] }), [], T0);
        expect(created.redirectUris).toEqual(['https://a.example.com/cb', 'http://127.0.0.1:9/cb']);
        expect((await store.getAgent(`${p}-r`))?.redirectUris).toEqual(['https://a.example.com/cb', 'http://127.0.0.1:9/cb']);
        const replaced = await store.updateAgent(`${p}-r`, { redirectUris: ['https://b.example.com/cb'] }, T0 + 1);
        expect(replaced?.redirectUris).toEqual(['https://b.example.com/cb']);
        await store.updateAgent(`${p}-r`, { redirectUris: [] }, T0 + 2);
        expect((await store.getAgent(`${p}-r`))?.redirectUris).toBeUndefined();
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
  });
}
