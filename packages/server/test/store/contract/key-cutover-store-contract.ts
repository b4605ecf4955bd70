import { beforeEach, describe, expect, it } from 'vitest';
import type { CutoverRuleRecord } from '../../../src/store/ports/key-cutover-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

/** A rule of `scope` for `target`, warning from T0 and blocking a day later. */
function rule(p: string, scope: CutoverRuleRecord['scope'], target: string, over: Partial<CutoverRuleRecord> = {}): Omit<CutoverRuleRecord, 'version'> {
  return { id: `cr_${p}-${scope}`, scope, target, warnFrom: T0, blockFrom: T0 + 86_400_000, link: null, effectiveStage: 'warn', updatedAt: T0, updatedBy: 'admin:bootstrap', ...over };
}

/** The `KeyCutoverStore` contract: rules replaced in place by target, stage changes and notices claimed once. */
export function keyCutoverStoreContract(stores: () => ContractStores): void {
  describe('KeyCutoverStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('creates a rule, replaces it by target keeping its id and raising its version, each with its audit record', async () => {
      const p = prefix();
      const seen: (CutoverRuleRecord | undefined)[] = [];
      const audited = (previous: CutoverRuleRecord | undefined, stored: CutoverRuleRecord) => {
        seen.push(previous);
        return [audit(null, { event: 'key_cutover.rule_set', details: { rule_id: stored.id, target: stored.target, version: stored.version } })];
      };
      const created = await store.putCutoverRule(rule(p, 'agent', `agt_${p}`), audited);
      expect(created.version).toBe(1);
      const replaced = await other.putCutoverRule(rule(p, 'agent', `agt_${p}`, { id: `cr_${p}-new`, warnFrom: null, effectiveStage: 'allow' }), audited);
      expect(replaced).toMatchObject({ id: created.id, version: 2, warnFrom: null, effectiveStage: 'allow' });
      expect(seen).toEqual([undefined, created]);
      expect((await other.cutoverRulesFor({ keyId: `ak_${p}`, agentId: `agt_${p}`, resources: [] }))).toEqual([replaced]);
      const records = (await readChain(other)).filter((r) => r.details['target'] === `agt_${p}`);
      expect(records.map((r) => r.details['version'])).toEqual([1, 2]);
    });

    it('finds the rules of a key, its agent and its resources only; lists and clears', async () => {
      const p = prefix();
      const api = `https://${p}.example.com`;
      const none = () => [];
      const key = await store.putCutoverRule(rule(p, 'key', `ak_${p}`), none);
      const agent = await store.putCutoverRule(rule(p, 'agent', `agt_${p}`), none);
      const resource = await store.putCutoverRule(rule(p, 'resource', api), none);
      await store.putCutoverRule(rule(`${p}x`, 'resource', `${api}/elsewhere`), none);
      const found = await other.cutoverRulesFor({ keyId: `ak_${p}`, agentId: `agt_${p}`, resources: [api] });
      expect(found.map((r) => r.id).sort()).toEqual([key.id, agent.id, resource.id].sort());
      expect(await other.cutoverRulesFor({ keyId: `ak_${p}-other`, agentId: `agt_${p}-other`, resources: [] })).toEqual([]);
      expect((await other.listCutoverRules(10_000)).filter((r) => r.id.startsWith(`cr_${p}`))).toHaveLength(4);

      const removed = await other.clearCutoverRule('key', `ak_${p}`, (r) => [audit(null, { event: 'key_cutover.rule_cleared', details: { rule_id: r.id } })]);
      expect(removed).toEqual(key);
      expect(await store.clearCutoverRule('key', `ak_${p}`, () => [])).toBeUndefined();
      expect((await readChain(store)).filter((r) => r.details['rule_id'] === key.id).map((r) => r.event)).toEqual(['key_cutover.rule_cleared']);
    });

    it('records a stage change once: the second node, or a stale version, writes nothing', async () => {
      const p = prefix();
      const stored = await store.putCutoverRule(rule(p, 'agent', `agt_${p}`), () => []);
      const record = [audit(null, { event: 'key_cutover.stage_effective', details: { rule_id: stored.id } })];
      const results = await Promise.all([store.recordCutoverStage(stored.id, 1, 'warn', 'block', record), other.recordCutoverStage(stored.id, 1, 'warn', 'block', record)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.recordCutoverStage(stored.id, 2, 'block', 'allow', record)).toBe(false);
      expect((await other.cutoverRulesFor({ keyId: 'ak_none', agentId: `agt_${p}`, resources: [] }))[0]?.effectiveStage).toBe('block');
      expect((await readChain(other)).filter((r) => r.details['rule_id'] === stored.id)).toHaveLength(1);
    });

    it('claims a notice once per key, rule version and stage; clearing the rule forgets its notices', async () => {
      const p = prefix();
      const stored = await store.putCutoverRule(rule(p, 'agent', `agt_${p}`), () => []);
      const notice = { keyId: `ak_${p}`, ruleId: stored.id, ruleVersion: 1, stage: 'warn' as const, at: T0 };
      const claims = await Promise.all([store.claimCutoverNotice(notice), other.claimCutoverNotice(notice)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimCutoverNotice({ ...notice, stage: 'block' })).toBe(true);
      expect(await store.claimCutoverNotice({ ...notice, ruleVersion: 2 })).toBe(true);
      expect(await store.claimCutoverNotice({ ...notice, keyId: `ak_${p}-2` })).toBe(true);
      await store.clearCutoverRule('agent', `agt_${p}`, () => []);
      const again = await store.putCutoverRule(rule(p, 'agent', `agt_${p}`, { id: `cr_${p}-again` }), () => []);
      expect(await other.claimCutoverNotice({ ...notice, ruleId: again.id })).toBe(true);
    });
  });
}
