import { beforeEach, describe, expect, it } from 'vitest';
import type { AnomalyRecord } from '../../../src/store/ports/anomaly-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

/** An open anomaly of `agentId`, detected at `at`. */
function anomaly(id: string, agentId: string, at: number, over: Partial<AnomalyRecord> = {}): AnomalyRecord {
  return {
    id,
    agentId,
    detector: 'refusal_spike',
    severity: 'high',
    state: 'open',
    evidence: '12 refused requests within 10 minutes, usually 0.5',
    details: { count: 12, usual: 0.5 },
    detectedAt: at,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    note: null,
    ...over,
  };
}

/** The `AnomalyStore` contract: records with their audit, newest first, states that only move forward. */
export function anomalyStoreContract(stores: () => ContractStores): void {
  describe('AnomalyStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('stores an anomaly with its audit record, and lists newest first by agent and state, page by page', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      const first = anomaly(`anm_${p}1`, `${p}-a`, T0 + 1);
      const second = anomaly(`anm_${p}2`, `${p}-a`, T0 + 2, { severity: 'low', detector: 'off_hours' });
      const third = anomaly(`anm_${p}3`, `${p}-b`, T0 + 2);
      await store.createAnomaly(first, [audit(`${p}-a`, { event: 'anomaly.detected', details: { anomaly_id: first.id } })]);
      await store.createAnomaly(second, []);
      await store.createAnomaly(third, []);
      expect(await other.getAnomaly(first.id)).toEqual(first);
      expect(await other.getAnomaly(`anm_${p}none`)).toBeUndefined();
      expect(await other.listAnomalies({ agentId: `${p}-a`, limit: 10 })).toEqual([second, first]);
      expect(await other.listAnomalies({ agentId: `${p}-a`, limit: 1 })).toEqual([second]);
      expect(await other.listAnomalies({ agentId: `${p}-a`, limit: 10, before: second.id })).toEqual([first]);
      expect(await other.listAnomalies({ agentId: `${p}-b`, states: ['resolved'], limit: 10 })).toEqual([]);
      expect((await readChain(other)).filter((r) => r.details['anomaly_id'] === first.id).map((r) => r.event)).toEqual(['anomaly.detected']);
    });

    it('acknowledges an open anomaly once, resolves it once, each change with its record; never backwards', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const open = anomaly(`anm_${p}1`, `${p}-a`, T0);
      await store.createAnomaly(open, []);
      const record = (event: 'anomaly.acknowledged' | 'anomaly.resolved') => (a: AnomalyRecord) => [audit(`${p}-a`, { event, details: { anomaly_id: a.id, state: a.state } })];

      const acked = await store.transitionAnomaly(open.id, { to: 'acknowledged', by: 'user:u1', at: T0 + 5, note: 'on it' }, record('anomaly.acknowledged'));
      expect(acked).toEqual({ ...open, state: 'acknowledged', acknowledgedBy: 'user:u1', acknowledgedAt: T0 + 5, note: 'on it' });
      // A second acknowledgement, from another node, changes nothing and records nothing.
      expect(await other.transitionAnomaly(open.id, { to: 'acknowledged', by: 'user:u2', at: T0 + 6, note: null }, record('anomaly.acknowledged'))).toBeUndefined();
      const resolved = await other.transitionAnomaly(open.id, { to: 'resolved', by: 'user:u2', at: T0 + 7, note: null }, record('anomaly.resolved'));
      expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'user:u2', resolvedAt: T0 + 7, acknowledgedBy: 'user:u1', note: 'on it' });
      expect(await store.transitionAnomaly(open.id, { to: 'resolved', by: 'user:u1', at: T0 + 8, note: null }, record('anomaly.resolved'))).toBeUndefined();
      expect(await store.transitionAnomaly(open.id, { to: 'acknowledged', by: 'user:u1', at: T0 + 8, note: null }, record('anomaly.acknowledged'))).toBeUndefined();
      expect(await store.transitionAnomaly(`anm_${p}none`, { to: 'resolved', by: 'user:u1', at: T0 + 8, note: null }, record('anomaly.resolved'))).toBeUndefined();
      expect((await readChain(other)).filter((r) => r.details['anomaly_id'] === open.id).map((r) => [r.event, r.details['state']])).toEqual([
        ['anomaly.acknowledged', 'acknowledged'],
        ['anomaly.resolved', 'resolved'],
      ]);
    });

    it('resolves an open anomaly directly, and goes with its agent', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const open = anomaly(`anm_${p}1`, `${p}-a`, T0);
      await store.createAnomaly(open, []);
      expect(await store.transitionAnomaly(open.id, { to: 'resolved', by: 'admin:bootstrap', at: T0 + 1, note: null }, () => [])).toMatchObject({ state: 'resolved', acknowledgedBy: null });
      await store.deleteAgent(`${p}-a`, []);
      expect(await other.getAnomaly(open.id)).toBeUndefined();
    });
  });
}
