import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/store/ports/conflict-error.js';
import type { BindingRuleRecord, TrustedIssuerRecord } from '../../../src/store/ports/federation-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

function trustedIssuer(id: string, over: Partial<TrustedIssuerRecord> = {}): TrustedIssuerRecord {
  return {
    id,
    issuer: `https://${id}.example`,
    jwksUri: null,
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] },
    audiences: ['https://auth.example.com'],
    algorithms: ['ES256'],
    maxTokenLifetime: 3600,
    allowTokenReuse: false,
    description: 'test issuer',
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function bindingRule(id: string, issuerId: string, agentId: string, over: Partial<BindingRuleRecord> = {}): BindingRuleRecord {
  return { id, issuerId, agentId, claims: { '/sub': `system:serviceaccount:${id}` }, description: '', createdAt: T0, updatedAt: T0, ...over };
}

/** The `FederationStore` contract: trusted issuers, binding rules, and the counter caches poll. */
export function federationStoreContract(stores: () => ContractStores): void {
  describe('FederationStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('writes each change\u2019s audit records in its transaction, and none of a change that does not happen', async () => {
      const p = prefix();
      const issuer = trustedIssuer(`${p}-i`);
      const record = (event: string) => [audit(null, { event: event as never, details: { id: p } })];
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createTrustedIssuer(issuer, record('trusted_issuer.created'));
      await store.updateTrustedIssuer(issuer.id, { description: 'changed' }, T0 + 1, () => record('trusted_issuer.updated'));
      await store.createBindingRule(bindingRule(`${p}-r`, issuer.id, `${p}-a`), record('binding_rule.created'));
      await store.updateBindingRule(`${p}-r`, { description: 'changed' }, T0 + 2, () => record('binding_rule.updated'));
      // Refused (the issuer still has a rule) and absent: nothing changes, nothing is recorded.
      expect(await store.deleteTrustedIssuer(issuer.id, record('trusted_issuer.deleted'))).toBe('in_use');
      expect(await store.updateBindingRule(`${p}-gone`, { description: 'x' }, T0, () => record('binding_rule.updated'))).toBeUndefined();
      expect(await store.deleteBindingRule(`${p}-r`, record('binding_rule.deleted'))).toBe(true);
      expect(await store.deleteTrustedIssuer(issuer.id, record('trusted_issuer.deleted'))).toBe('deleted');
      const events = (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);
      expect(events).toEqual(['trusted_issuer.created', 'trusted_issuer.updated', 'binding_rule.created', 'binding_rule.updated', 'binding_rule.deleted', 'trusted_issuer.deleted']);

      await expect(store.createTrustedIssuer(trustedIssuer(`${p}-j`), record('trusted_issuer.lost'))).rejects.toThrow(TypeError);
      expect(await other.getTrustedIssuer(`${p}-j`)).toBeUndefined();
    });

    it('trusts an issuer once and reads back exactly what was written', async () => {
      const p = prefix();
      const issuer = trustedIssuer(`${p}-i`);
      await store.createTrustedIssuer(issuer);
      expect(await other.getTrustedIssuer(issuer.id)).toEqual(issuer);
      await expect(other.createTrustedIssuer({ ...issuer, id: `${p}-again` })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getTrustedIssuer(`${p}-again`)).toBeUndefined();
      const byUri = trustedIssuer(`${p}-j`, { jwksUri: 'https://j.example/jwks', jwks: null, allowTokenReuse: true });
      await store.createTrustedIssuer(byUri);
      expect((await store.listTrustedIssuers()).filter((i) => i.id.startsWith(p))).toEqual([issuer, byUri]);
    });

    it('updates the fields of an issuer that may change, never its iss', async () => {
      const p = prefix();
      const issuer = trustedIssuer(`${p}-i`);
      await store.createTrustedIssuer(issuer);
      const updated = await other.updateTrustedIssuer(issuer.id, { audiences: ['https://a', 'https://b'], maxTokenLifetime: 60, description: 'changed' }, T0 + 5);
      expect(updated).toEqual({ ...issuer, audiences: ['https://a', 'https://b'], maxTokenLifetime: 60, description: 'changed', updatedAt: T0 + 5 });
      expect(await store.getTrustedIssuer(issuer.id)).toEqual(updated);
      expect(await store.updateTrustedIssuer(`${p}-missing`, { description: 'x' }, T0)).toBeUndefined();
    });

    it('binds rules to an existing issuer and agent only, and lists them by issuer or agent', async () => {
      const p = prefix();
      await store.createTrustedIssuer(trustedIssuer(`${p}-i`));
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      const rules = [bindingRule(`${p}-r1`, `${p}-i`, `${p}-a`), bindingRule(`${p}-r2`, `${p}-i`, `${p}-b`)];
      for (const rule of rules) await store.createBindingRule(rule);
      await expect(store.createBindingRule(bindingRule(`${p}-r3`, `${p}-nobody`, `${p}-a`))).rejects.toBeInstanceOf(ConflictError);
      await expect(store.createBindingRule(bindingRule(`${p}-r4`, `${p}-i`, `${p}-nobody`))).rejects.toBeInstanceOf(ConflictError);
      expect(await other.getBindingRule(`${p}-r1`)).toEqual(rules[0]);
      expect(await other.listBindingRules({ issuerId: `${p}-i` })).toEqual(rules);
      expect(await store.listBindingRules({ agentId: `${p}-b` })).toEqual([rules[1]]);
      expect(await store.listBindingRules({ issuerId: `${p}-i`, agentId: `${p}-a` })).toEqual([rules[0]]);
    });

    it('deletes an issuer only once no rule names it; a rule goes with its agent', async () => {
      const p = prefix();
      await store.createTrustedIssuer(trustedIssuer(`${p}-i`));
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      await store.createBindingRule(bindingRule(`${p}-r1`, `${p}-i`, `${p}-a`));
      await store.createBindingRule(bindingRule(`${p}-r2`, `${p}-i`, `${p}-b`));
      const changed = await other.updateBindingRule(`${p}-r1`, { claims: { '/sub': 'other' }, description: 'd' }, T0 + 1);
      expect(changed).toEqual({ ...bindingRule(`${p}-r1`, `${p}-i`, `${p}-a`), claims: { '/sub': 'other' }, description: 'd', updatedAt: T0 + 1 });
      expect(await store.getBindingRule(`${p}-r1`)).toEqual(changed);
      expect(await store.updateBindingRule(`${p}-missing`, { description: 'x' }, T0)).toBeUndefined();

      expect(await store.deleteTrustedIssuer(`${p}-i`)).toBe('in_use');
      expect(await store.deleteBindingRule(`${p}-r1`)).toBe(true);
      expect(await store.deleteBindingRule(`${p}-r1`)).toBe(false);
      await store.deleteAgent(`${p}-b`);
      expect(await store.getBindingRule(`${p}-r2`)).toBeUndefined();
      expect(await other.deleteTrustedIssuer(`${p}-i`)).toBe('deleted');
      expect(await store.deleteTrustedIssuer(`${p}-i`)).toBe('not_found');
      expect(await store.getTrustedIssuer(`${p}-i`)).toBeUndefined();
    });

    it('moves the change counter with every change, as every store sees it', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const seen: number[] = [await store.federationChangeCounter()];
      const step = async (change: () => Promise<unknown>) => {
        await change();
        seen.push(await other.federationChangeCounter());
      };
      await step(() => store.createTrustedIssuer(trustedIssuer(`${p}-i`)));
      await step(() => store.updateTrustedIssuer(`${p}-i`, { description: 'x' }, T0 + 1));
      await step(() => store.createBindingRule(bindingRule(`${p}-r`, `${p}-i`, `${p}-a`)));
      await step(() => store.updateBindingRule(`${p}-r`, { description: 'y' }, T0 + 2));
      await step(() => store.deleteBindingRule(`${p}-r`));
      await step(() => store.deleteTrustedIssuer(`${p}-i`));
      for (let i = 1; i < seen.length; i++) expect(seen[i], `change ${i}`).toBeGreaterThan(seen[i - 1] as number);
    });
  });
}
