import type { AuditInput } from '../records.js';
import type { StreamStatus } from '@agentauth/protocol';
import type { Page, PageRequest } from './page.js';

/** The two SSF 1.0 §6.1 delivery methods. */
export type DeliveryMethod = 'urn:ietf:rfc:8935' | 'urn:ietf:rfc:8936';

/** One SSF event stream (SSF 1.0 §8.1.1), as stored. Times are ms since the epoch. */
export interface StreamRecord {
  streamId: string;
  /** The agent whose `agentauth:signals` token created it; only that agent may see or manage it. */
  ownerAgentId: string;
  aud: readonly string[];
  /** Receiver-supplied; null when the receiver never said (all supported events are delivered). */
  eventsRequested: readonly string[] | null;
  eventsDelivered: readonly string[];
  deliveryMethod: DeliveryMethod;
  /** Push: the receiver's URL (RFC 8935). Poll: null (the poll URL is ours, derived from the id). */
  endpointUrl: string | null;
  /** Push: the receiver's `authorization_header`, sealed under the master key (it is a secret). */
  sealedAuthorizationHeader: string | null;
  description: string | null;
  status: StreamStatus;
  statusReason: string | null;
  createdAt: number;
  updatedAt: number;
  lastVerificationAt: number | null;
  /** When the receiver last polled the stream (its creation, until it does); idle streams expire. */
  lastSeenAt: number;
  /** Push delivery counters and the last outcome, for the operator (never the SET or a secret). */
  pushDelivered: number;
  pushFailed: number;
  lastPushAt: number | null;
  lastPushError: string | null;
}

/** The receiver-supplied fields a PATCH or PUT may change (SSF 1.0 §8.1.1.3, §8.1.1.4). */
export type StreamChanges = Partial<
  Pick<StreamRecord, 'eventsRequested' | 'eventsDelivered' | 'deliveryMethod' | 'endpointUrl' | 'sealedAuthorizationHeader' | 'description'>
>;

/** A SET waiting for delivery on one stream; it stays until acknowledged (poll) or delivered (push). */
export interface QueuedSet {
  jti: string;
  streamId: string;
  eventType: string;
  /** The signed SET (RFC 8417), compact serialization: public, carries no secret. */
  setJwt: string;
  createdAt: number;
  /** Push attempts made so far. */
  attempts: number;
  /** Push: not before this time. */
  nextAttemptAt: number;
}

/** The outcome of a push attempt that did not deliver. */
export interface PushFailure {
  error: string;
  /** When to try again; null means give up and drop the SET. */
  retryAt: number | null;
}

/**
 * The Shared Signals transmitter's storage (in the shared database, so every node
 * sees every stream and serves any stream's queue). Domain verbs; each single-use step (a
 * verification slot, a push lease) is one conditional write.
 */
export interface SignalsStore {
  /** Each stream change appends its audit records (`audit`) in its own transaction, only when it changes something. */
  createStream(stream: StreamRecord, audit?: readonly AuditInput[]): Promise<void>;
  getStream(streamId: string): Promise<StreamRecord | undefined>;
  /** The agent's streams, oldest first. */
  listStreams(ownerAgentId: string): Promise<StreamRecord[]>;
  /** Every receiver's streams (or one receiver's), by `streamId`, a page at a time: for the operator. */
  pageStreams(filter: { ownerAgentId?: string }, page: PageRequest): Promise<Page<StreamRecord>>;
  /** Streams not `disabled` (SSF 1.0 §8.1.2: a disabled stream holds nothing). */
  listLiveStreams(): Promise<StreamRecord[]>;
  updateStream(streamId: string, changes: StreamChanges, now: number, audit?: (updated: StreamRecord) => readonly AuditInput[]): Promise<StreamRecord | undefined>;
  /** Sets the status; leaving for `disabled` drops what was queued. */
  setStreamStatus(streamId: string, status: StreamStatus, reason: string | null, now: number, audit?: (updated: StreamRecord) => readonly AuditInput[]): Promise<StreamRecord | undefined>;
  /** Deletes the stream and its queue. */
  deleteStream(streamId: string, audit?: readonly AuditInput[]): Promise<boolean>;
  /**
   * Records that the receiver polled the stream now. Writes only when `lastSeenAt` is older than
   * `resolutionMs`, so a receiver polling often costs one write per interval, not one per poll.
   */
  markStreamSeen(streamId: string, now: number, resolutionMs: number): Promise<void>;
  /**
   * Poll streams (RFC 8936) whose receiver was last seen before `seenBefore`, oldest first, at most
   * `limit`: candidates for expiry. Push streams are reached by the transmitter, not polled.
   */
  listIdleStreams(seenBefore: number, limit: number): Promise<StreamRecord[]>;
  /**
   * Deletes the stream and its queue only if it is still unseen since `seenBefore` (one
   * conditional delete, so a poll that lands meanwhile keeps it), with its `audit` records in the
   * same transaction; true when it went.
   */
  expireStream(streamId: string, seenBefore: number, audit?: readonly AuditInput[]): Promise<boolean>;
  /**
   * Claims the stream's verification slot: true, and `lastVerificationAt` = now, only when the last
   * verification is at least `minIntervalMs` old (SSF 1.0 §8.1.1 `min_verification_interval`).
   * A claim that succeeds appends `audit` in its transaction.
   */
  claimVerification(streamId: string, now: number, minIntervalMs: number, audit?: readonly AuditInput[]): Promise<boolean>;
  /** Queues SETs, all in one transaction. */
  enqueueSets(sets: readonly QueuedSet[]): Promise<void>;
  /** Up to `limit` queued SETs of a stream, oldest first. */
  pendingSets(streamId: string, limit: number): Promise<QueuedSet[]>;
  /** Removes acknowledged SETs of this stream (RFC 8936 §2.4); returns how many went. */
  acknowledgeSets(streamId: string, jtis: readonly string[]): Promise<number>;
  /** SETs due for a push attempt on enabled push streams, not leased by another node. */
  duePushSets(now: number, limit: number): Promise<QueuedSet[]>;
  /** Leases a SET for one push attempt until `leaseUntil`; false when another node holds it. */
  leasePushSet(jti: string, now: number, leaseUntil: number): Promise<boolean>;
  /** The push was accepted (202): drop the SET, count it on the stream. */
  pushDelivered(set: QueuedSet, now: number): Promise<void>;
  /** The push failed: reschedule or drop the SET, record the error on the stream. */
  /** Records a failed push; `audit` (the give-up record) is appended in the same transaction. */
  pushFailed(set: QueuedSet, now: number, failure: PushFailure, audit?: readonly AuditInput[]): Promise<void>;
}
