import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, newAgent, prefix } from '../fixtures.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

/**
 * The `GaugeStore` contract. The database is shared by every test of a run, so each case
 * asserts how its own rows move the counts, never the counts themselves.
 */
export function gaugeStoreContract(stores: () => ContractStores): void {
  describe('GaugeStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('counts agents by status, and another node sees the same counts', async () => {
      const p = prefix();
      const before = await other.gaugeSnapshot(T0);
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      await store.setAgentStatus(`${p}-b`, 'suspended', T0 + 1);
      const after = await other.gaugeSnapshot(T0);
      expect((after.agentsByStatus.active ?? 0) - (before.agentsByStatus.active ?? 0)).toBe(1);
      expect((after.agentsByStatus.suspended ?? 0) - (before.agentsByStatus.suspended ?? 0)).toBe(1);
    });

    it('counts streams by status and the queued events, with the oldest one queued', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-owner`), [], T0);
      const before = await store.gaugeSnapshot(T0);
      await store.createStream({
        streamId: `${p}-s`,
        ownerAgentId: `${p}-owner`,
        aud: ['https://receiver.example'],
        eventsRequested: null,
        eventsDelivered: [SESSION_REVOKED],
        deliveryMethod: 'urn:ietf:rfc:8936',
        endpointUrl: null,
        sealedAuthorizationHeader: null,
        description: null,
        status: 'paused',
        statusReason: null,
        createdAt: T0,
        updatedAt: T0,
        lastVerificationAt: null,
        lastSeenAt: T0,
        pushDelivered: 0,
        pushFailed: 0,
        lastPushAt: null,
        lastPushError: null,
      });
      const set = (jti: string, createdAt: number) => ({ jti, streamId: `${p}-s`, eventType: SESSION_REVOKED, setJwt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln', createdAt, attempts: 0, nextAttemptAt: createdAt });
      await store.enqueueSets([set(`${p}-j1`, T0 - 5000), set(`${p}-j2`, T0)]);
      const after = await store.gaugeSnapshot(T0);
      expect((after.streamsByStatus.paused ?? 0) - (before.streamsByStatus.paused ?? 0)).toBe(1);
      expect(after.queuedSets - before.queuedSets).toBe(2);
      expect(after.oldestQueuedAt).not.toBeNull();
      expect(after.oldestQueuedAt).toBeLessThanOrEqual(T0 - 5000);
      await store.acknowledgeSets(`${p}-s`, [`${p}-j1`, `${p}-j2`]);
      expect((await store.gaugeSnapshot(T0)).queuedSets).toBe(before.queuedSets);
    });
  });
}
