import type { Selectable } from 'kysely';
import type { StreamStatus } from '@agentauth/protocol';
import type { DeliveryMethod, PushFailure, QueuedSet, SignalsStore, StreamChanges, StreamRecord } from '../ports/signals-store.js';
import type { Page, PageRequest } from '../ports/page.js';
import { fromJson, toJson } from './json.js';
import { checkLimit, decodeIdCursor, encodeIdCursor, toPage } from './pagination.js';
import type { SsfQueuedSetsTable, SsfStreamsTable } from './signals-tables.js';
import type { SqlContext } from './sql-context.js';
import type { AuditInput } from '../records.js';
import { appendAuditInTransaction } from './commit-units.js';

/** The Shared Signals transmitter's storage (`SignalsStore`) over Kysely, for SQLite and PostgreSQL alike. */
export function sqlSignalsStore(ctx: SqlContext): SignalsStore {
  return {
    async createStream(stream: StreamRecord, audit: readonly AuditInput[] = []): Promise<void> {
      await ctx.write(async (db) => {
        await db.insertInto('ssf_streams').values(streamToRow(stream)).execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },

    async getStream(streamId: string): Promise<StreamRecord | undefined> {
      const row = await ctx.db.selectFrom('ssf_streams').selectAll().where('stream_id', '=', streamId).executeTakeFirst();
      return row === undefined ? undefined : streamFromRow(row);
    },

    async listStreams(ownerAgentId: string): Promise<StreamRecord[]> {
      const rows = await ctx.db.selectFrom('ssf_streams').selectAll().where('owner_agent_id', '=', ownerAgentId).orderBy('created_at').orderBy('stream_id').execute();
      return rows.map(streamFromRow);
    },

    async pageStreams(filter: { ownerAgentId?: string }, page: PageRequest): Promise<Page<StreamRecord>> {
      const limit = checkLimit(page.limit);
      let query = ctx.db.selectFrom('ssf_streams').selectAll();
      if (filter.ownerAgentId !== undefined) query = query.where('owner_agent_id', '=', filter.ownerAgentId);
      if (page.after !== undefined) query = query.where('stream_id', '>', decodeIdCursor(page.after));
      const rows = await query.orderBy('stream_id').limit(limit + 1).execute();
      return toPage(rows.map(streamFromRow), { limit }, (last) => encodeIdCursor(last.streamId));
    },

    async listLiveStreams(): Promise<StreamRecord[]> {
      const rows = await ctx.db.selectFrom('ssf_streams').selectAll().where('status', '!=', 'disabled').execute();
      return rows.map(streamFromRow);
    },

    updateStream(streamId: string, changes: StreamChanges, now: number, audit?: (updated: StreamRecord) => readonly AuditInput[]): Promise<StreamRecord | undefined> {
      return ctx.write(async (db) => {
        const values: Partial<SsfStreamsTable> = { updated_at: now };
        if (changes.eventsRequested !== undefined) values.events_requested = changes.eventsRequested === null ? null : toJson(changes.eventsRequested);
        if (changes.eventsDelivered !== undefined) values.events_delivered = toJson(changes.eventsDelivered);
        if (changes.deliveryMethod !== undefined) values.delivery_method = changes.deliveryMethod;
        if (changes.endpointUrl !== undefined) values.endpoint_url = changes.endpointUrl;
        if (changes.sealedAuthorizationHeader !== undefined) values.sealed_authorization_header = changes.sealedAuthorizationHeader;
        if (changes.description !== undefined) values.description = changes.description;
        const row = await db.updateTable('ssf_streams').set(values).where('stream_id', '=', streamId).returningAll().executeTakeFirst();
        if (row === undefined) return undefined;
        const updated = streamFromRow(row);
        if (audit !== undefined) await appendAuditInTransaction(ctx, db, audit(updated));
        return updated;
      });
    },

    setStreamStatus(streamId: string, status: StreamStatus, reason: string | null, now: number, audit?: (updated: StreamRecord) => readonly AuditInput[]): Promise<StreamRecord | undefined> {
      return ctx.write(async (db) => {
        const row = await db
          .updateTable('ssf_streams')
          .set({ status, status_reason: reason, updated_at: now })
          .where('stream_id', '=', streamId)
          .returningAll()
          .executeTakeFirst();
        // SSF 1.0 §8.1.2: a disabled stream "will not hold any events for later transmission".
        if (row === undefined) return undefined;
        if (status === 'disabled') await db.deleteFrom('ssf_queued_sets').where('stream_id', '=', streamId).execute();
        const updated = streamFromRow(row);
        if (audit !== undefined) await appendAuditInTransaction(ctx, db, audit(updated));
        return updated;
      });
    },

    deleteStream(streamId: string, audit: readonly AuditInput[] = []): Promise<boolean> {
      return ctx.write(async (db) => {
        await db.deleteFrom('ssf_queued_sets').where('stream_id', '=', streamId).execute();
        const result = await db.deleteFrom('ssf_streams').where('stream_id', '=', streamId).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async markStreamSeen(streamId: string, now: number, resolutionMs: number): Promise<void> {
      // A read first: most polls find the mark recent, and a read takes no write lock.
      const row = await ctx.db.selectFrom('ssf_streams').select('last_seen_at').where('stream_id', '=', streamId).executeTakeFirst();
      if (row === undefined || Number(row.last_seen_at) >= now - resolutionMs) return;
      await ctx.write((db) =>
        db
          .updateTable('ssf_streams')
          .set({ last_seen_at: now })
          .where('stream_id', '=', streamId)
          .where('last_seen_at', '<', now - resolutionMs)
          .execute(),
      );
    },

    async listIdleStreams(seenBefore: number, limit: number): Promise<StreamRecord[]> {
      const rows = await ctx.db
        .selectFrom('ssf_streams')
        .selectAll()
        .where('delivery_method', '=', 'urn:ietf:rfc:8936')
        .where('last_seen_at', '<', seenBefore)
        .orderBy('last_seen_at')
        .orderBy('stream_id')
        .limit(limit)
        .execute();
      return rows.map(streamFromRow);
    },

    expireStream(streamId: string, seenBefore: number, audit: readonly AuditInput[] = []): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db.deleteFrom('ssf_streams').where('stream_id', '=', streamId).where('last_seen_at', '<', seenBefore).executeTakeFirst();
        if (result.numDeletedRows === 0n) return false;
        await db.deleteFrom('ssf_queued_sets').where('stream_id', '=', streamId).execute();
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    claimVerification(streamId: string, now: number, minIntervalMs: number, audit: readonly AuditInput[] = []): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db
          .updateTable('ssf_streams')
          .set({ last_verification_at: now })
          .where('stream_id', '=', streamId)
          .where((eb) => eb.or([eb('last_verification_at', 'is', null), eb('last_verification_at', '<=', now - minIntervalMs)]))
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        await appendAuditInTransaction(ctx, db, audit);
        return true;
      });
    },

    async enqueueSets(sets: readonly QueuedSet[]): Promise<void> {
      if (sets.length === 0) return;
      await ctx.write(async (db) => {
        for (const chunk of ctx.chunks(sets.map(queuedSetToRow), 8)) await db.insertInto('ssf_queued_sets').values(chunk).execute();
      });
    },

    async pendingSets(streamId: string, limit: number): Promise<QueuedSet[]> {
      const rows = await ctx.db.selectFrom('ssf_queued_sets').selectAll().where('stream_id', '=', streamId).orderBy('created_at').orderBy('jti').limit(limit).execute();
      return rows.map(queuedSetFromRow);
    },

    async acknowledgeSets(streamId: string, jtis: readonly string[]): Promise<number> {
      if (jtis.length === 0) return 0;
      return ctx.write(async (db) => {
        let deleted = 0n;
        for (const chunk of ctx.chunks(jtis.map((jti) => ({ jti })), 1)) {
          const result = await db
            .deleteFrom('ssf_queued_sets')
            .where('stream_id', '=', streamId)
            .where(
              'jti',
              'in',
              chunk.map((c) => c.jti),
            )
            .executeTakeFirst();
          deleted += result.numDeletedRows;
        }
        return Number(deleted);
      });
    },

    async duePushSets(now: number, limit: number): Promise<QueuedSet[]> {
      const rows = await ctx.db
        .selectFrom('ssf_queued_sets as q')
        .innerJoin('ssf_streams as s', 's.stream_id', 'q.stream_id')
        .selectAll('q')
        .where('s.delivery_method', '=', 'urn:ietf:rfc:8935')
        .where('s.status', '=', 'enabled')
        .where('q.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('q.lease_until', 'is', null), eb('q.lease_until', '<', now)]))
        .orderBy('q.next_attempt_at')
        .orderBy('q.jti')
        .limit(limit)
        .execute();
      return rows.map(queuedSetFromRow);
    },

    leasePushSet(jti: string, now: number, leaseUntil: number): Promise<boolean> {
      return ctx.write(async (db) => {
        const result = await db
          .updateTable('ssf_queued_sets')
          .set({ lease_until: leaseUntil })
          .where('jti', '=', jti)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      });
    },

    async pushDelivered(set: QueuedSet, now: number): Promise<void> {
      await ctx.write(async (db) => {
        await db.deleteFrom('ssf_queued_sets').where('jti', '=', set.jti).execute();
        await db
          .updateTable('ssf_streams')
          .set((eb) => ({ push_delivered: eb('push_delivered', '+', 1), last_push_at: now, last_push_error: null }))
          .where('stream_id', '=', set.streamId)
          .execute();
      });
    },

    async pushFailed(set: QueuedSet, now: number, failure: PushFailure, audit: readonly AuditInput[] = []): Promise<void> {
      await ctx.write(async (db) => {
        if (failure.retryAt === null) {
          await db.deleteFrom('ssf_queued_sets').where('jti', '=', set.jti).execute();
        } else {
          await db
            .updateTable('ssf_queued_sets')
            .set({ attempts: set.attempts + 1, next_attempt_at: failure.retryAt, lease_until: null })
            .where('jti', '=', set.jti)
            .execute();
        }
        await db
          .updateTable('ssf_streams')
          .set((eb) => ({
            push_failed: failure.retryAt === null ? eb('push_failed', '+', 1) : eb.ref('push_failed'),
            last_push_at: now,
            last_push_error: failure.error,
          }))
          .where('stream_id', '=', set.streamId)
          .execute();
        await appendAuditInTransaction(ctx, db, audit);
      });
    },
  };
}

function streamToRow(stream: StreamRecord): SsfStreamsTable {
  return {
    stream_id: stream.streamId,
    owner_agent_id: stream.ownerAgentId,
    aud: toJson(stream.aud),
    events_requested: stream.eventsRequested === null ? null : toJson(stream.eventsRequested),
    events_delivered: toJson(stream.eventsDelivered),
    delivery_method: stream.deliveryMethod,
    endpoint_url: stream.endpointUrl,
    sealed_authorization_header: stream.sealedAuthorizationHeader,
    description: stream.description,
    status: stream.status,
    status_reason: stream.statusReason,
    created_at: stream.createdAt,
    updated_at: stream.updatedAt,
    last_verification_at: stream.lastVerificationAt,
    last_seen_at: stream.lastSeenAt,
    push_delivered: stream.pushDelivered,
    push_failed: stream.pushFailed,
    last_push_at: stream.lastPushAt,
    last_push_error: stream.lastPushError,
  };
}

function streamFromRow(row: Selectable<SsfStreamsTable>): StreamRecord {
  return {
    streamId: row.stream_id,
    ownerAgentId: row.owner_agent_id,
    aud: fromJson<string[]>(row.aud),
    eventsRequested: row.events_requested === null ? null : fromJson<string[]>(row.events_requested),
    eventsDelivered: fromJson<string[]>(row.events_delivered),
    deliveryMethod: row.delivery_method as DeliveryMethod,
    endpointUrl: row.endpoint_url,
    sealedAuthorizationHeader: row.sealed_authorization_header,
    description: row.description,
    status: row.status as StreamStatus,
    statusReason: row.status_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastVerificationAt: row.last_verification_at === null ? null : Number(row.last_verification_at),
    lastSeenAt: Number(row.last_seen_at),
    pushDelivered: Number(row.push_delivered),
    pushFailed: Number(row.push_failed),
    lastPushAt: row.last_push_at === null ? null : Number(row.last_push_at),
    lastPushError: row.last_push_error,
  };
}

function queuedSetToRow(set: QueuedSet): SsfQueuedSetsTable {
  return {
    jti: set.jti,
    stream_id: set.streamId,
    event_type: set.eventType,
    set_jwt: set.setJwt,
    created_at: set.createdAt,
    attempts: set.attempts,
    next_attempt_at: set.nextAttemptAt,
    lease_until: null,
  };
}

function queuedSetFromRow(row: Selectable<SsfQueuedSetsTable>): QueuedSet {
  return {
    jti: row.jti,
    streamId: row.stream_id,
    eventType: row.event_type,
    setJwt: row.set_jwt,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
  };
}
