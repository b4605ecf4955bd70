import type { PollRequest } from '@agentauth/protocol';

/** Largest `maxEvents` honoured; a larger request gets this many (RFC 8936 §2.1: "up to"). */
export const MAX_POLL_EVENTS = 256;
/** SETs a poll returns when it does not say (`maxEvents` omitted). */
export const DEFAULT_POLL_EVENTS = 100;
/** Most `ack` plus `setErrs` entries in one request. */
const MAX_ACKS = 1000;
const MAX_JTI_LENGTH = 256;
const MAX_ERR_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 1024;

/** A poll request, validated. */
export interface ParsedPollRequest {
  maxEvents: number;
  returnImmediately: boolean;
  ack: string[];
  setErrs: { jti: string; err: string; description: string }[];
}

/**
 * Parses an RFC 8936 §2.1 poll request body: `maxEvents` (a non-negative integer; 0 asks for no
 * SETs, only acknowledgements), `returnImmediately` (boolean, default false: a long poll, §2.4),
 * `ack` (array of `jti` strings) and `setErrs` (object of `jti` to `{ err, description }`, §2.4.4).
 * Returns a reason string when the body is malformed; unknown members are ignored.
 */
export function parsePollRequest(body: unknown): ParsedPollRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const request = body as Record<string, unknown> & PollRequest;
  let maxEvents = DEFAULT_POLL_EVENTS;
  if (request.maxEvents !== undefined) {
    if (typeof request.maxEvents !== 'number' || !Number.isSafeInteger(request.maxEvents) || request.maxEvents < 0) return 'maxEvents must be a non-negative integer';
    maxEvents = Math.min(request.maxEvents, MAX_POLL_EVENTS);
  }
  let returnImmediately = false;
  if (request.returnImmediately !== undefined) {
    if (typeof request.returnImmediately !== 'boolean') return 'returnImmediately must be a boolean';
    returnImmediately = request.returnImmediately;
  }
  const ack: string[] = [];
  if (request.ack !== undefined) {
    if (!Array.isArray(request.ack) || request.ack.length > MAX_ACKS) return 'ack must be an array of at most 1000 jti';
    for (const jti of request.ack as unknown[]) {
      if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) return 'ack must hold jti strings';
      ack.push(jti);
    }
  }
  const setErrs: ParsedPollRequest['setErrs'] = [];
  if (request.setErrs !== undefined) {
    if (typeof request.setErrs !== 'object' || request.setErrs === null || Array.isArray(request.setErrs)) return 'setErrs must be an object';
    const entries = Object.entries(request.setErrs as Record<string, unknown>);
    if (entries.length + ack.length > MAX_ACKS) return 'too many acknowledgements';
    for (const [jti, value] of entries) {
      if (jti === '' || jti.length > MAX_JTI_LENGTH) return 'setErrs keys must be jti strings';
      const error = value as { err?: unknown; description?: unknown } | null;
      if (typeof error !== 'object' || error === null || typeof error.err !== 'string' || typeof error.description !== 'string') {
        return 'setErrs values must be { err, description }';
      }
      if (error.err.length > MAX_ERR_LENGTH || error.description.length > MAX_DESCRIPTION_LENGTH) return 'setErrs entry too long';
      setErrs.push({ jti, err: error.err, description: error.description });
    }
  }
  return { maxEvents, returnImmediately, ack, setErrs };
}
