import { DELIVERY_METHOD_PUSH, STREAM_STATUSES, type StreamStatus } from '@agentauth/protocol';
import type { AuditEvent } from '../events/audit-events.js';
import type { AuditInput } from '../store/records.js';
import type { Clock } from '../clock.js';
import { openBox, sealBox } from '../keys/sealed-box.js';
import type { Random } from '../random.js';
import { ReceiverUrlError, vetReceiverUrl, type Resolver } from './push-request.js';
import type { SignalsStore, StreamChanges, StreamRecord } from '../store/ports/signals-store.js';
import { forbidden, invalidRequest, notFound, tooManyRequests } from '../oauth/oauth-error.js';
import { eventsDelivered, MIN_VERIFICATION_INTERVAL, parseReceiverSupplied, renderStreamConfig, type ReceiverSupplied } from './stream-config.js';
import type { SignalsTransmitter } from './transmitter.js';

/** SSF 1.0 §8.1.1.2: 404 for a stream_id that names no stream of this receiver (another receiver's too). */
const streamNotFound = (detail = 'no such stream for this receiver') => notFound('There is no event stream with this stream_id for this receiver.', detail);

/** Streams one receiver (agent) may hold; SSF 1.0 §8.1.1.1 lets a transmitter refuse more (403). */
export const MAX_STREAMS_PER_RECEIVER = 16;
const MAX_STATE_LENGTH = 1024;
const MAX_REASON_LENGTH = 256;
const MAX_STREAM_ID_LENGTH = 64;

export interface StreamServiceDeps {
  issuer: string;
  store: SignalsStore;
  transmitter: Pick<SignalsTransmitter, 'verify'>;
  clock: Clock;
  random: Random;
  /** Seals push receivers' `authorization_header` at rest. */
  masterKey: Buffer;
  allowPrivateReceivers: boolean;
  resolve?: Resolver;
  /** Told when a stream may have SETs to deliver now (status enabled, delivery changed). */
  onDeliverable?: (stream: StreamRecord) => void;
}

/** Who is calling, for the audit record. */
export interface RequestContext {
  agentId: string;
  sourceIp: string | null;
  requestId: string | null;
}

/**
 * The SSF 1.0 §8.1 stream management API, framework-free: create, read, update (PATCH), replace
 * (PUT), delete, status and verification. A stream belongs to the agent that created it; another
 * agent's stream is answered 404, as if it did not exist (§8.1.1.2: "no Event Stream with the given
 * stream_id for this Event Receiver"). Every change is audited in its own transaction.
 */
export class StreamService {
  constructor(private readonly deps: StreamServiceDeps) {}

  /** SSF 1.0 §8.1.1.1: 201 with the configuration. The stream's `aud` is the receiver's agent id. */
  async create(ctx: RequestContext, body: unknown): Promise<Record<string, unknown>> {
    const fields = parse(body, 'create', undefined, this.deps.issuer) as ReceiverSupplied;
    if ((await this.deps.store.listStreams(ctx.agentId)).length >= MAX_STREAMS_PER_RECEIVER) {
      throw forbidden(
        `receiver already has ${MAX_STREAMS_PER_RECEIVER} streams`,
        `This receiver already has the most event streams allowed (${MAX_STREAMS_PER_RECEIVER}); delete one it no longer polls (SSF 1.0 section 8.1.1.5) or ask the operator to.`,
      );
    }
    await this.checkReceiverUrl(fields);
    const now = this.deps.clock.now();
    const streamId = this.deps.random.token(16);
    const stream: StreamRecord = {
      streamId,
      ownerAgentId: ctx.agentId,
      aud: [ctx.agentId],
      eventsRequested: fields.eventsRequested,
      eventsDelivered: eventsDelivered(fields.eventsRequested),
      deliveryMethod: fields.method,
      endpointUrl: fields.endpointUrl,
      sealedAuthorizationHeader: this.seal(streamId, fields.authorizationHeader),
      description: fields.description,
      status: 'enabled',
      statusReason: null,
      createdAt: now,
      updatedAt: now,
      lastVerificationAt: null,
      lastSeenAt: now,
      pushDelivered: 0,
      pushFailed: 0,
      lastPushAt: null,
      lastPushError: null,
    };
    // The stream and its record in one transaction.
    await this.deps.store.createStream(stream, [this.record('ssf_stream.created', ctx, { stream_id: streamId, delivery_method: stream.deliveryMethod, ...receiverOrigin(stream), events_delivered: stream.eventsDelivered })]);
    return renderStreamConfig(this.deps.issuer, stream);
  }

  /** SSF 1.0 §8.1.1.2: one stream's configuration, or all of the receiver's streams (an array). */
  async read(ctx: RequestContext, streamId: string | undefined): Promise<Record<string, unknown> | Record<string, unknown>[]> {
    if (streamId === undefined) return (await this.deps.store.listStreams(ctx.agentId)).map((s) => renderStreamConfig(this.deps.issuer, s));
    return renderStreamConfig(this.deps.issuer, await this.owned(ctx, streamId));
  }

  /** SSF 1.0 §8.1.1.3 (PATCH, `patch`) and §8.1.1.4 (PUT, `replace`): 200 with the new configuration. */
  async update(ctx: RequestContext, body: unknown, mode: 'patch' | 'replace'): Promise<Record<string, unknown>> {
    const stream = await this.owned(ctx, streamIdOf(body));
    const fields = parse(body, mode, renderStreamConfig(this.deps.issuer, stream), this.deps.issuer);
    const changes: StreamChanges = {};
    if (fields.eventsRequested !== undefined) {
      changes.eventsRequested = fields.eventsRequested;
      changes.eventsDelivered = eventsDelivered(fields.eventsRequested);
    }
    if (fields.method !== undefined) {
      await this.checkReceiverUrl(fields as ReceiverSupplied);
      changes.deliveryMethod = fields.method;
      changes.endpointUrl = fields.endpointUrl ?? null;
      changes.sealedAuthorizationHeader = this.seal(stream.streamId, fields.authorizationHeader ?? null);
    }
    if (fields.description !== undefined) changes.description = fields.description;
    const updated = await this.deps.store.updateStream(stream.streamId, changes, this.deps.clock.now(), (after) => [
      this.record('ssf_stream.updated', ctx, {
        stream_id: stream.streamId,
        mode,
        fields: Object.keys(body as object).filter((k) => ['events_requested', 'delivery', 'description'].includes(k)),
        delivery_method: after.deliveryMethod,
        ...receiverOrigin(after),
      }),
    ]);
    if (updated === undefined) throw streamNotFound('stream deleted meanwhile');
    if (changes.deliveryMethod !== undefined) this.deps.onDeliverable?.(updated);
    return renderStreamConfig(this.deps.issuer, updated);
  }

  /** SSF 1.0 §8.1.1.5: the stream and its queue go; 204. */
  async delete(ctx: RequestContext, streamId: string | undefined): Promise<void> {
    const stream = await this.owned(ctx, streamId);
    if (!(await this.deps.store.deleteStream(stream.streamId, [this.record('ssf_stream.deleted', ctx, { stream_id: stream.streamId })]))) throw streamNotFound('stream deleted meanwhile');
  }

  /** SSF 1.0 §8.1.2.1: `{ stream_id, status, reason? }`. */
  async status(ctx: RequestContext, streamId: string | undefined): Promise<Record<string, unknown>> {
    return renderStatus(await this.owned(ctx, streamId));
  }

  /**
   * SSF 1.0 §8.1.2.2: sets `enabled`, `paused` (SETs are held and delivered when enabled again) or
   * `disabled` (what is queued is dropped, and nothing more is queued until enabled).
   */
  async setStatus(ctx: RequestContext, body: unknown): Promise<Record<string, unknown>> {
    const stream = await this.owned(ctx, streamIdOf(body));
    const { status, reason } = body as { status?: unknown; reason?: unknown };
    if (typeof status !== 'string' || !(STREAM_STATUSES as readonly string[]).includes(status)) throw invalidRequest('status must be enabled, paused or disabled');
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) throw invalidRequest('reason must be a string of at most 256 characters');
    const updated = await this.deps.store.setStreamStatus(stream.streamId, status as StreamStatus, reason ?? null, this.deps.clock.now(), () => [
      this.record('ssf_stream.status_updated', ctx, { stream_id: stream.streamId, status, previous_status: stream.status }),
    ]);
    if (updated === undefined) throw streamNotFound('stream deleted meanwhile');
    if (updated.status === 'enabled') this.deps.onDeliverable?.(updated);
    return renderStatus(updated);
  }

  /**
   * SSF 1.0 §8.1.4.2: queues a verification event echoing `state`, at most once per
   * `min_verification_interval` (429 otherwise). A disabled stream transmits nothing, so nothing is
   * queued for it; the answer is still 204 (§8.1.4.2: success only means "will do so at some point").
   */
  async verify(ctx: RequestContext, body: unknown): Promise<void> {
    const stream = await this.owned(ctx, streamIdOf(body));
    const state = (body as { state?: unknown }).state;
    if (state !== undefined && (typeof state !== 'string' || state.length > MAX_STATE_LENGTH)) throw invalidRequest('state must be a string of at most 1024 characters');
    // The claimed slot and its record in one transaction; the verification event is queued after.
    const requested = [this.record('ssf_stream.verification_requested', ctx, { stream_id: stream.streamId })];
    if (!(await this.deps.store.claimVerification(stream.streamId, this.deps.clock.now(), MIN_VERIFICATION_INTERVAL * 1000, requested))) {
      throw tooManyRequests('verification requested within min_verification_interval', MIN_VERIFICATION_INTERVAL);
    }
    if (stream.status !== 'disabled') await this.deps.transmitter.verify(stream, state);
  }

  /** The receiver's stream, or 404 (also for another receiver's stream). */
  async owned(ctx: RequestContext, streamId: string | undefined): Promise<StreamRecord> {
    if (streamId === undefined || streamId === '') throw invalidRequest('stream_id missing');
    if (streamId.length > MAX_STREAM_ID_LENGTH) throw streamNotFound('stream_id too long');
    const stream = await this.deps.store.getStream(streamId);
    if (stream === undefined || stream.ownerAgentId !== ctx.agentId) throw streamNotFound();
    return stream;
  }

  /** The push receiver's `authorization_header`, unsealed. */
  authorizationOf(stream: StreamRecord): string | null {
    if (stream.sealedAuthorizationHeader === null) return null;
    return openBox(this.deps.masterKey, ssfStreamAad(stream.streamId), stream.sealedAuthorizationHeader).toString('utf8');
  }

  private seal(streamId: string, header: string | null): string | null {
    return header === null ? null : sealBox(this.deps.masterKey, ssfStreamAad(streamId), Buffer.from(header, 'utf8'));
  }

  private async checkReceiverUrl(fields: ReceiverSupplied): Promise<void> {
    if (fields.method !== DELIVERY_METHOD_PUSH || fields.endpointUrl === null) return;
    try {
      await vetReceiverUrl(fields.endpointUrl, this.deps.allowPrivateReceivers, this.deps.resolve);
    } catch (error) {
      if (error instanceof ReceiverUrlError) throw invalidRequest(error.message);
      throw error;
    }
  }

  /** The audit record of a stream change, written by the store in the change's own transaction. */
  private record(event: AuditEvent, ctx: RequestContext, details: Record<string, unknown>): AuditInput {
    return {
      time: this.deps.clock.now(),
      event,
      outcome: 'success',
      agentId: ctx.agentId,
      actor: `agent:${ctx.agentId}`,
      sourceIp: ctx.sourceIp,
      reason: null,
      requestId: ctx.requestId,
      details,
    };
  }
}

/** The sealed header is bound to its stream: copied onto another stream's row, it no longer opens. */
/** The associated data a stream's receiver `Authorization` header is sealed with: the stream id. */
export function ssfStreamAad(streamId: string): string {
  return `ssf-stream:${streamId}`;
}

function parse(body: unknown, mode: 'create' | 'patch' | 'replace', current: Record<string, unknown> | undefined, issuer: string): Partial<ReceiverSupplied> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('body must be a JSON object');
  const parsed = parseReceiverSupplied(body as Record<string, unknown>, mode, current, issuer);
  if (typeof parsed === 'string') throw invalidRequest(parsed);
  return parsed;
}

function streamIdOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('body must be a JSON object');
  const streamId = (body as { stream_id?: unknown }).stream_id;
  if (streamId !== undefined && typeof streamId !== 'string') throw invalidRequest('stream_id must be a string');
  return streamId;
}

function renderStatus(stream: StreamRecord): Record<string, unknown> {
  return { stream_id: stream.streamId, status: stream.status, ...(stream.statusReason === null ? {} : { reason: stream.statusReason }) };
}

/** The push receiver's origin only: a URL's path or query may carry a receiver's secret. */
function receiverOrigin(stream: StreamRecord): Record<string, string> {
  if (stream.endpointUrl === null) return {};
  try {
    return { receiver_origin: new URL(stream.endpointUrl).origin };
  } catch {
    return {};
  }
}
