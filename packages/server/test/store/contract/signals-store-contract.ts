import { beforeEach, describe, expect, it } from 'vitest';
import type { QueuedSet, StreamRecord } from '../../../src/store/ports/signals-store.js';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { T0, audit, prefix, readChain } from '../fixtures.js';

const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';

function stream(streamId: string, ownerAgentId: string, over: Partial<StreamRecord> = {}): StreamRecord {
  return {
    streamId,
    ownerAgentId,
    aud: ['https://receiver.example'],
    eventsRequested: null,
    eventsDelivered: ['https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
    deliveryMethod: POLL,
    endpointUrl: null,
    sealedAuthorizationHeader: null,
    description: null,
    status: 'enabled',
    statusReason: null,
    createdAt: T0,
    updatedAt: T0,
    lastVerificationAt: null,
    lastSeenAt: T0,
    pushDelivered: 0,
    pushFailed: 0,
    lastPushAt: null,
    lastPushError: null,
    ...over,
  };
}

function queuedSet(jti: string, streamId: string, over: Partial<QueuedSet> = {}): QueuedSet {
  return { jti, streamId, eventType: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked', setJwt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln', createdAt: T0, attempts: 0, nextAttemptAt: T0, ...over };
}

/** The `SignalsStore` contract: SSF streams, their queues, and the single-use steps (verification slot, push lease). */
export function signalsStoreContract(stores: () => ContractStores): void {
  describe('SignalsStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    it('writes each stream change\u2019s audit records in its transaction, and none of a change that does not happen', async () => {
      const p = prefix();
      const record = (event: string) => [audit(`${p}-a`, { event: event as never, details: { stream_id: `${p}-s` } })];
      await store.createStream(stream(`${p}-s`, `${p}-a`), record('ssf_stream.created'));
      await store.updateStream(`${p}-s`, { description: 'changed' }, T0 + 1, () => record('ssf_stream.updated'));
      await store.setStreamStatus(`${p}-s`, 'paused', null, T0 + 2, () => record('ssf_stream.status_updated'));
      expect(await store.updateStream(`${p}-gone`, { description: 'x' }, T0, () => record('ssf_stream.updated'))).toBeUndefined();
      expect(await store.claimVerification(`${p}-s`, T0 + 3, 1000, record('ssf_stream.verification_requested'))).toBe(true);
      // Within the interval: refused, and not recorded.
      expect(await store.claimVerification(`${p}-s`, T0 + 4, 1000, record('ssf_stream.verification_requested'))).toBe(false);
      expect(await store.deleteStream(`${p}-s`, record('ssf_stream.deleted'))).toBe(true);
      expect(await store.deleteStream(`${p}-s`, record('ssf_stream.deleted'))).toBe(false);
      const events = (await readChain(other)).filter((r) => r.details['stream_id'] === `${p}-s`).map((r) => r.event);
      expect(events).toEqual(['ssf_stream.created', 'ssf_stream.updated', 'ssf_stream.status_updated', 'ssf_stream.verification_requested', 'ssf_stream.deleted']);

      await expect(store.createStream(stream(`${p}-t`, `${p}-a`), record('ssf_stream.lost'))).rejects.toThrow(TypeError);
      expect(await other.getStream(`${p}-t`)).toBeUndefined();
    });

    it('keeps streams per owner, oldest first, and deletes one with its queue', async () => {
      const p = prefix();
      const second = stream(`${p}-s2`, `${p}-a`, { createdAt: T0 + 2, deliveryMethod: PUSH, endpointUrl: 'https://receiver.example/events', sealedAuthorizationHeader: 'sealed', description: 'push' });
      const first = stream(`${p}-s1`, `${p}-a`, { createdAt: T0 + 1, eventsRequested: ['x'] });
      const disabled = stream(`${p}-s3`, `${p}-b`, { status: 'disabled', statusReason: 'receiver gone' });
      for (const s of [second, first, disabled]) await store.createStream(s);
      expect(await other.getStream(first.streamId)).toEqual(first);
      expect(await other.listStreams(`${p}-a`)).toEqual([first, second]);
      const live = (await store.listLiveStreams()).filter((s) => s.streamId.startsWith(p));
      expect(live.map((s) => s.streamId).sort()).toEqual([first.streamId, second.streamId]);

      await store.enqueueSets([queuedSet(`${p}-j1`, first.streamId)]);
      expect(await other.deleteStream(first.streamId)).toBe(true);
      expect(await store.deleteStream(first.streamId)).toBe(false);
      expect(await store.getStream(first.streamId)).toBeUndefined();
      expect(await store.pendingSets(first.streamId, 10)).toEqual([]);
    });

    it('changes only the fields given, and disabling a stream drops its queue', async () => {
      const p = prefix();
      const s = stream(`${p}-s`, `${p}-a`);
      await store.createStream(s);
      const updated = await other.updateStream(s.streamId, { eventsRequested: null, deliveryMethod: PUSH, endpointUrl: 'https://r.example/e', description: 'd' }, T0 + 1);
      expect(updated).toEqual({ ...s, deliveryMethod: PUSH, endpointUrl: 'https://r.example/e', description: 'd', updatedAt: T0 + 1 });
      expect(await store.updateStream(`${p}-missing`, { description: 'x' }, T0)).toBeUndefined();

      await store.enqueueSets([queuedSet(`${p}-j1`, s.streamId)]);
      const paused = await store.setStreamStatus(s.streamId, 'paused', 'maintenance', T0 + 2);
      expect(paused).toMatchObject({ status: 'paused', statusReason: 'maintenance', updatedAt: T0 + 2 });
      expect(await store.pendingSets(s.streamId, 10)).toHaveLength(1);
      await other.setStreamStatus(s.streamId, 'disabled', null, T0 + 3);
      expect(await store.pendingSets(s.streamId, 10)).toEqual([]);
      expect(await store.setStreamStatus(`${p}-missing`, 'enabled', null, T0)).toBeUndefined();
    });

    it('pages every stream by id, or one owner\u2019s, with a cursor', async () => {
      const p = prefix();
      for (const id of ['c', 'a', 'b']) await store.createStream(stream(`${p}-${id}`, `${p}-owner`));
      await store.createStream(stream(`${p}-z`, `${p}-else`));
      const first = await other.pageStreams({ ownerAgentId: `${p}-owner` }, { limit: 2 });
      expect(first.items.map((s) => s.streamId)).toEqual([`${p}-a`, `${p}-b`]);
      const rest = await store.pageStreams({ ownerAgentId: `${p}-owner` }, { limit: 2, after: first.next as string });
      expect(rest).toEqual({ items: [await store.getStream(`${p}-c`)] });
      const all = await store.pageStreams({}, { limit: 1000 });
      expect(all.items.map((s) => s.streamId).filter((id) => id.startsWith(p))).toEqual([`${p}-a`, `${p}-b`, `${p}-c`, `${p}-z`]);
      await expect(store.pageStreams({}, { limit: 1, after: '!' })).rejects.toThrow(RangeError);
    });

    it('marks a stream seen at most once per resolution, lists idle poll streams, and expires one only while still idle', async () => {
      const p = prefix();
      const old = T0 - 1_000_000;
      const idle = stream(`${p}-idle`, `${p}-a`, { lastSeenAt: old });
      const polled = stream(`${p}-polled`, `${p}-a`, { lastSeenAt: old + 1 });
      const push = stream(`${p}-push`, `${p}-a`, { lastSeenAt: old, deliveryMethod: PUSH, endpointUrl: 'https://receiver.example/events' });
      for (const s of [idle, polled, push]) await store.createStream(s);
      await store.enqueueSets([queuedSet(`${p}-j1`, idle.streamId)]);

      await other.markStreamSeen(polled.streamId, old + 100, 1000);
      expect((await store.getStream(polled.streamId))?.lastSeenAt).toBe(old + 1);
      await other.markStreamSeen(polled.streamId, old + 2000, 1000);
      expect((await store.getStream(polled.streamId))?.lastSeenAt).toBe(old + 2000);
      await store.markStreamSeen(`${p}-missing`, old + 2000, 0);

      const seenBefore = old + 1000;
      expect((await other.listIdleStreams(seenBefore, 100)).filter((s) => s.streamId.startsWith(p))).toEqual([idle]);
      expect(await other.expireStream(polled.streamId, seenBefore)).toBe(false);
      expect(await store.getStream(polled.streamId)).toBeDefined();
      const raced = await Promise.all([store.expireStream(idle.streamId, seenBefore), other.expireStream(idle.streamId, seenBefore)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await store.getStream(idle.streamId)).toBeUndefined();
      expect(await store.pendingSets(idle.streamId, 10)).toEqual([]);
    });

    it('grants the verification slot at most once per interval, to one of two racing stores', async () => {
      const p = prefix();
      const s = stream(`${p}-s`, `${p}-a`);
      await store.createStream(s);
      const claims = await Promise.all([store.claimVerification(s.streamId, T0 + 100, 50), other.claimVerification(s.streamId, T0 + 100, 50)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await store.getStream(s.streamId))?.lastVerificationAt).toBe(T0 + 100);
      expect(await store.claimVerification(s.streamId, T0 + 149, 50)).toBe(false);
      expect(await other.claimVerification(s.streamId, T0 + 150, 50)).toBe(true);
      expect(await store.claimVerification(`${p}-missing`, T0, 0)).toBe(false);
    });

    it('queues SETs, serves a stream\u2019s oldest first, and acknowledges only that stream\u2019s', async () => {
      const p = prefix();
      for (const id of ['s', 't']) await store.createStream(stream(`${p}-${id}`, `${p}-a`));
      const sets = [queuedSet(`${p}-j2`, `${p}-s`, { createdAt: T0 + 2 }), queuedSet(`${p}-j1`, `${p}-s`, { createdAt: T0 + 1 }), queuedSet(`${p}-k1`, `${p}-t`)];
      await store.enqueueSets(sets);
      await store.enqueueSets([]);
      expect(await other.pendingSets(`${p}-s`, 10)).toEqual([sets[1], sets[0]]);
      expect(await other.pendingSets(`${p}-s`, 1)).toEqual([sets[1]]);
      expect(await store.acknowledgeSets(`${p}-s`, [`${p}-j1`, `${p}-k1`, `${p}-unknown`])).toBe(1);
      expect(await store.acknowledgeSets(`${p}-s`, [])).toBe(0);
      expect(await store.pendingSets(`${p}-s`, 10)).toEqual([sets[0]]);
      expect(await store.pendingSets(`${p}-t`, 10)).toEqual([sets[2]]);
    });

    it('leases a due push SET to one store at a time, then counts it delivered, retried or dropped', async () => {
      const p = prefix();
      const now = T0 + 10_000;
      const push = stream(`${p}-push`, `${p}-a`, { deliveryMethod: PUSH, endpointUrl: 'https://r.example/e' });
      await store.createStream(push);
      await store.createStream(stream(`${p}-poll`, `${p}-a`));
      await store.enqueueSets([
        queuedSet(`${p}-due`, push.streamId, { nextAttemptAt: now - 1 }),
        queuedSet(`${p}-later`, push.streamId, { nextAttemptAt: now + 1 }),
        queuedSet(`${p}-polled`, `${p}-poll`, { nextAttemptAt: now - 1 }),
      ]);
      const due = async (at: number) => (await store.duePushSets(at, 1000)).filter((s) => s.jti.startsWith(p)).map((s) => s.jti);
      expect(await due(now)).toEqual([`${p}-due`]);

      const leases = await Promise.all([store.leasePushSet(`${p}-due`, now, now + 30_000), other.leasePushSet(`${p}-due`, now, now + 30_000)]);
      expect(leases.filter(Boolean)).toHaveLength(1);
      expect(await due(now + 1)).toEqual([`${p}-later`]);
      // A lease runs out: the SET is due again and may be leased anew.
      expect(await due(now + 30_001)).toEqual([`${p}-due`, `${p}-later`]);

      const [dueSet, laterSet] = await store.pendingSets(push.streamId, 10);
      await other.pushFailed(dueSet!, now + 2, { error: 'HTTP 503', retryAt: now + 60_000 });
      expect(await store.pendingSets(push.streamId, 10)).toEqual([{ ...dueSet, attempts: 1, nextAttemptAt: now + 60_000 }, laterSet]);
      expect(await store.getStream(push.streamId)).toMatchObject({ pushDelivered: 0, pushFailed: 0, lastPushAt: now + 2, lastPushError: 'HTTP 503' });
      await store.pushFailed(laterSet!, now + 3, { error: 'HTTP 400', retryAt: null });
      expect(await store.getStream(push.streamId)).toMatchObject({ pushFailed: 1, lastPushError: 'HTTP 400' });
      await store.pushDelivered({ ...dueSet!, attempts: 1 }, now + 4);
      expect(await store.pendingSets(push.streamId, 10)).toEqual([]);
      expect(await other.getStream(push.streamId)).toMatchObject({ pushDelivered: 1, pushFailed: 1, lastPushAt: now + 4, lastPushError: null });
    });
  });
}
