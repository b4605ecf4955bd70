import { beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '../../../src/store/ports/approval-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, newAgent, prefix, readChain } from '../fixtures.js';

function approval(id: string, agentId: string, over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id,
    requestHash: `hash-${id}`,
    agentId,
    approver: 'user:usr_a',
    resource: 'https://rs.example.com',
    scopes: ['orders:write'],
    authorizationDetails: [{ type: 'payment_initiation', amount: 12.5, currency: 'EUR', locations: ['https://rs.example.com'] }],
    bindingMessage: 'Order 1',
    deliveryMode: 'poll',
    pingSecrets: null,
    intervalSeconds: 5,
    status: 'pending',
    reason: null,
    decidedBy: null,
    decidedAt: null,
    lastPolledAt: null,
    createdAt: T0,
    expiresAt: T0 + 300_000,
    ...over,
  };
}

/** The `ApprovalStore` contract: every transition one conditional write, racing stores agree, records only with changes. */
export function approvalStoreContract(stores: () => ContractStores): void {
  describe('ApprovalStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });
    const record = (p: string, event: string) => [audit(null, { event: event as never, details: { id: p } })];
    const events = async (p: string) => (await readChain(other)).filter((r) => r.details['id'] === p).map((r) => r.event);

    async function setUp(p: string, over: Partial<ApprovalRecord> = {}): Promise<ApprovalRecord> {
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const created = approval(`${p}-r`, `${p}-a`, over);
      await store.createApproval(created, record(p, 'approval.requested'));
      return created;
    }

    it('stores a request with its record and reads it back by id and by request hash', async () => {
      const p = prefix();
      const created = await setUp(p, { deliveryMode: 'ping', pingSecrets: 'sealed' });
      expect(await other.getApproval(created.id)).toEqual(created);
      expect(await other.getApprovalByRequestHash(created.requestHash)).toEqual(created);
      expect(await other.getApprovalByRequestHash('nope')).toBeUndefined();
      expect(await events(p)).toEqual(['approval.requested']);
    });

    it('answers a pending request once, across stores: the loser changes nothing and writes no record', async () => {
      const p = prefix();
      const created = await setUp(p);
      const results = await Promise.all([
        store.decideApproval(created.id, { status: 'approved', decidedBy: 'usr_a', reason: null, at: T0 + 1 }, record(p, 'approval.approved')),
        other.decideApproval(created.id, { status: 'denied', decidedBy: 'usr_b', reason: 'no', at: T0 + 1 }, record(p, 'approval.denied')),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await other.getApproval(created.id);
      expect(stored?.status).toBe(results[0] ? 'approved' : 'denied');
      expect(stored?.decidedAt).toBe(T0 + 1);
      expect(await events(p)).toEqual(['approval.requested', results[0] ? 'approval.approved' : 'approval.denied']);
    });

    it('refuses an answer at or after expiry, and expires only what has expired', async () => {
      const p = prefix();
      const created = await setUp(p);
      expect(await store.decideApproval(created.id, { status: 'approved', decidedBy: 'usr_a', reason: null, at: created.expiresAt }, record(p, 'approval.approved'))).toBe(false);
      expect(await store.expireApproval(created.id, created.expiresAt - 1, record(p, 'approval.expired'))).toBe(false);
      expect(await store.expireApproval(created.id, created.expiresAt, record(p, 'approval.expired'))).toBe(true);
      expect(await other.expireApproval(created.id, created.expiresAt, record(p, 'approval.expired'))).toBe(false);
      expect((await other.getApproval(created.id))?.status).toBe('expired');
      expect(await events(p)).toEqual(['approval.requested', 'approval.expired']);
    });

    it('consumes an approved request once, never a pending, denied or expired one', async () => {
      const p = prefix();
      const created = await setUp(p);
      expect(await store.consumeApproval(created.id, T0 + 1)).toBe(false);
      await store.decideApproval(created.id, { status: 'approved', decidedBy: 'usr_a', reason: null, at: T0 + 1 }, []);
      expect(await store.consumeApproval(created.id, created.expiresAt)).toBe(false);
      const results = await Promise.all([store.consumeApproval(created.id, T0 + 2), other.consumeApproval(created.id, T0 + 2)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await other.getApproval(created.id))?.status).toBe('consumed');
    });

    it('records polls no faster than the interval', async () => {
      const p = prefix();
      const created = await setUp(p);
      expect(await store.notePoll(created.id, T0 + 1000, 5000)).toBe(true);
      expect(await other.notePoll(created.id, T0 + 5999, 5000)).toBe(false);
      expect(await other.notePoll(created.id, T0 + 6000, 5000)).toBe(true);
      expect((await store.getApproval(created.id))?.lastPolledAt).toBe(T0 + 6000);
    });

    it('lists the pending, unexpired requests of the given approvers, oldest first', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const mine = approval(`${p}-1`, `${p}-a`, { approver: `user:${p}`, createdAt: T0 + 2 });
      const group = approval(`${p}-2`, `${p}-a`, { approver: `group:${p}`, createdAt: T0 + 1 });
      const others = approval(`${p}-3`, `${p}-a`, { approver: 'user:someone-else' });
      const expired = approval(`${p}-4`, `${p}-a`, { approver: `user:${p}`, expiresAt: T0 + 10 });
      const answered = approval(`${p}-5`, `${p}-a`, { approver: `user:${p}`, status: 'denied' });
      for (const a of [mine, group, others, expired, answered]) await store.createApproval(a, []);
      const listed = await other.listPendingApprovals([`user:${p}`, `group:${p}`], T0 + 10, 10);
      expect(listed.map((a) => a.id)).toEqual([group.id, mine.id]);
      expect(await other.listPendingApprovals([], T0, 10)).toEqual([]);
    });

    it('lists the approvals no longer waiting for a person or their groups, newest first', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      const waiting = approval(`${p}-1`, `${p}-a`, { approver: `user:${p}` });
      const denied = approval(`${p}-2`, `${p}-a`, { approver: `user:${p}`, status: 'denied', createdAt: T0 + 1 });
      const expired = approval(`${p}-3`, `${p}-a`, { approver: `group:${p}`, expiresAt: T0 + 10, createdAt: T0 + 2 });
      const consumed = approval(`${p}-4`, `${p}-a`, { approver: `group:${p}`, status: 'consumed', createdAt: T0 + 3 });
      const others = approval(`${p}-5`, `${p}-a`, { approver: 'user:someone-else', status: 'approved' });
      for (const a of [waiting, denied, expired, consumed, others]) await store.createApproval(a, []);
      const listed = await other.listPastApprovals([`user:${p}`, `group:${p}`], T0 + 10, 10);
      expect(listed.map((a) => a.id)).toEqual([consumed.id, expired.id, denied.id]);
      expect((await other.listPastApprovals([`user:${p}`, `group:${p}`], T0 + 10, 2)).length).toBe(2);
      expect(await other.listPastApprovals([], T0, 10)).toEqual([]);
    });

    it('counts an agent\'s pending, unexpired requests, no further than the cap', async () => {
      const p = prefix();
      await store.createAgent(newAgent(`${p}-a`), [], T0);
      await store.createAgent(newAgent(`${p}-b`), [], T0);
      const pending = [1, 2, 3].map((n) => approval(`${p}-${n}`, `${p}-a`));
      const expired = approval(`${p}-4`, `${p}-a`, { expiresAt: T0 + 10 });
      const answered = approval(`${p}-5`, `${p}-a`, { status: 'approved' });
      const anotherAgent = approval(`${p}-6`, `${p}-b`);
      for (const a of [...pending, expired, answered, anotherAgent]) await store.createApproval(a, []);
      expect(await other.countPendingApprovals(`${p}-a`, T0 + 10, 20)).toBe(3);
      expect(await other.countPendingApprovals(`${p}-a`, T0 + 10, 2)).toBe(2);
      expect(await other.countPendingApprovals(`${p}-b`, T0 + 10, 20)).toBe(1);
    });
  });
}
