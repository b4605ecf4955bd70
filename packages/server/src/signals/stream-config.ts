import {
  CAEP_CREDENTIAL_CHANGE,
  CAEP_RISK_LEVEL_CHANGE,
  CAEP_SESSION_REVOKED,
  DELIVERY_METHOD_POLL,
  DELIVERY_METHOD_PUSH,
  SSF_VERIFICATION,
} from '@agentauth/protocol';
import type { DeliveryMethod, StreamRecord } from '../store/ports/signals-store.js';

/** SSF 1.0 §8.1.1 `events_supported`: what this transmitter emits (CAEP 1.0 §3.8 risk changes come from anomaly detection). */
export const EVENTS_SUPPORTED: readonly string[] = Object.freeze([CAEP_SESSION_REVOKED, CAEP_CREDENTIAL_CHANGE, CAEP_RISK_LEVEL_CHANGE, SSF_VERIFICATION]);

/** SSF 1.0 §8.1.1 `min_verification_interval`, seconds. */
export const MIN_VERIFICATION_INTERVAL = 10;

/** Paths of the SSF endpoints, relative to the issuer. */
export const SSF_PATHS = {
  configuration: '/ssf/streams',
  status: '/ssf/status',
  verification: '/ssf/verify',
  /** Poll endpoint of one stream: `${poll}/${stream_id}` (RFC 8936; SSF 1.0 §6.1.2). */
  poll: '/ssf/poll',
} as const;

const MAX_EVENTS_REQUESTED = 32;
const MAX_URI_LENGTH = 256;
const MAX_DESCRIPTION = 256;
const MAX_AUTHORIZATION_HEADER = 4096;
/** RFC 9110 §5.5 field value: visible ASCII, spaces and tabs; no CR or LF (header injection). */
const FIELD_VALUE = /^[\x21-\x7E](?:[\x20-\x7E\t]*[\x21-\x7E])?$/;

/** Receiver-supplied stream properties (SSF 1.0 §8.1.1), as parsed from a request. */
export interface ReceiverSupplied {
  eventsRequested: string[] | null;
  method: DeliveryMethod;
  /** Push only. */
  endpointUrl: string | null;
  /** Push only; a secret. */
  authorizationHeader: string | null;
  description: string | null;
}

/** The stream's poll URL (SSF 1.0 §6.1.2: supplied by the transmitter, unique per stream). */
export function pollUrl(issuer: string, streamId: string): string {
  return `${issuer}${SSF_PATHS.poll}/${encodeURIComponent(streamId)}`;
}

/** SSF 1.0 §8.1.1 `events_delivered`: the supported events the receiver asked for (all when it did not ask). */
export function eventsDelivered(eventsRequested: readonly string[] | null): string[] {
  return eventsRequested === null ? [...EVENTS_SUPPORTED] : EVENTS_SUPPORTED.filter((uri) => eventsRequested.includes(uri));
}

/**
 * The stream configuration JSON (SSF 1.0 §8.1.1). `aud` is one string when there is one audience.
 * The receiver's `authorization_header` is never echoed back: it is a secret we hold for it.
 */
export function renderStreamConfig(issuer: string, stream: StreamRecord): Record<string, unknown> {
  const delivery =
    stream.deliveryMethod === DELIVERY_METHOD_POLL
      ? { method: DELIVERY_METHOD_POLL, endpoint_url: pollUrl(issuer, stream.streamId) }
      : { method: DELIVERY_METHOD_PUSH, endpoint_url: stream.endpointUrl };
  return {
    stream_id: stream.streamId,
    iss: issuer,
    aud: stream.aud.length === 1 ? stream.aud[0] : [...stream.aud],
    delivery,
    events_supported: [...EVENTS_SUPPORTED],
    ...(stream.eventsRequested === null ? {} : { events_requested: [...stream.eventsRequested] }),
    events_delivered: [...stream.eventsDelivered],
    min_verification_interval: MIN_VERIFICATION_INTERVAL,
    ...(stream.description === null ? {} : { description: stream.description }),
  };
}

/** Transmitter-supplied members: a request may repeat them, but only with their current value. */
const TRANSMITTER_SUPPLIED = ['stream_id', 'iss', 'aud', 'events_supported', 'events_delivered', 'min_verification_interval', 'inactivity_timeout'] as const;

/**
 * Parses the receiver-supplied members of a create (POST, SSF 1.0 §8.1.1.1), update (PATCH,
 * §8.1.1.3) or replace (PUT, §8.1.1.4) request. For `patch`, members absent stay as they are
 * (returned as undefined); for `create` and `replace`, absent members take their defaults (no
 * `events_requested`: every supported event; no `delivery`: poll, §8.1.1.1). Transmitter-supplied
 * members may appear in PATCH and PUT only with the current value (`current`, the rendered
 * configuration before the change); in POST they are refused. Unknown members are ignored.
 *
 * Returns a reason string (for the log) when the request is invalid. Does NOT check the push URL
 * against SSRF: that needs DNS (see `vetReceiverUrl`).
 */
export function parseReceiverSupplied(
  body: Record<string, unknown>,
  mode: 'create' | 'patch' | 'replace',
  current: Record<string, unknown> | undefined,
  issuer: string,
): Partial<ReceiverSupplied> | string {
  for (const name of TRANSMITTER_SUPPLIED) {
    if (!(name in body) || (name === 'stream_id' && mode !== 'create')) continue;
    if (current === undefined) return `${name} is supplied by the transmitter`;
    if (JSON.stringify(body[name]) !== JSON.stringify(current[name])) return `${name} does not match the stream`;
  }
  const out: Partial<ReceiverSupplied> = {};

  if (body.events_requested !== undefined) {
    const requested = body.events_requested;
    if (!Array.isArray(requested) || requested.length > MAX_EVENTS_REQUESTED) return 'events_requested must be an array of at most 32 URIs';
    for (const uri of requested as unknown[]) if (typeof uri !== 'string' || uri === '' || uri.length > MAX_URI_LENGTH) return 'events_requested must hold URIs';
    out.eventsRequested = [...new Set(requested as string[])];
  } else if (mode !== 'patch') out.eventsRequested = null;

  if (body.delivery !== undefined) {
    const delivery = parseDelivery(body.delivery, current, issuer);
    if (typeof delivery === 'string') return delivery;
    Object.assign(out, delivery);
  } else if (mode !== 'patch') Object.assign(out, { method: DELIVERY_METHOD_POLL, endpointUrl: null, authorizationHeader: null });

  if (body.description !== undefined) {
    if (typeof body.description !== 'string') return 'description must be a string';
    // SSF 1.0 §8.1.1: "The transmitter MAY truncate the string beyond an allowed max length."
    out.description = body.description.slice(0, MAX_DESCRIPTION);
  } else if (mode !== 'patch') out.description = null;
  return out;
}

function parseDelivery(value: unknown, current: Record<string, unknown> | undefined, issuer: string): Pick<ReceiverSupplied, 'method' | 'endpointUrl' | 'authorizationHeader'> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'delivery must be an object';
  const delivery = value as Record<string, unknown>;
  if (delivery.method === DELIVERY_METHOD_POLL) {
    // The poll URL is ours to supply (SSF 1.0 §6.1.2); a receiver may only repeat it.
    const ours = typeof current?.stream_id === 'string' ? pollUrl(issuer, current.stream_id) : undefined;
    if (delivery.endpoint_url !== undefined && delivery.endpoint_url !== ours) return 'delivery.endpoint_url of a poll stream is supplied by the transmitter';
    if (delivery.authorization_header !== undefined) return 'delivery.authorization_header is for push delivery';
    return { method: DELIVERY_METHOD_POLL, endpointUrl: null, authorizationHeader: null };
  }
  if (delivery.method === DELIVERY_METHOD_PUSH) {
    if (typeof delivery.endpoint_url !== 'string' || delivery.endpoint_url === '') return 'delivery.endpoint_url is required for push delivery';
    let authorizationHeader: string | null = null;
    if (delivery.authorization_header !== undefined) {
      const header = delivery.authorization_header;
      if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_HEADER || !FIELD_VALUE.test(header)) return 'delivery.authorization_header must be a header field value';
      authorizationHeader = header;
    }
    return { method: DELIVERY_METHOD_PUSH, endpointUrl: delivery.endpoint_url, authorizationHeader };
  }
  return 'delivery.method must be urn:ietf:rfc:8935 or urn:ietf:rfc:8936';
}
