import type { AuditInput } from '../store/records.js';
import type { CommitUnit } from '../store/ports/commit-store.js';
import { AUDIT_EVENTS } from '../events/audit-events.js';

/** Largest `details` accepted, in characters of its JSON form (see {@link assertAuditInput}). */
export const MAX_DETAILS_SIZE = 4096;
/** Deepest nesting accepted in `details`; also what stops a cyclic object. */
export const MAX_DETAILS_DEPTH = 8;
/** Longest `reason` accepted (the private error detail; ARCHITECTURE.md, Errors). */
export const MAX_REASON_LENGTH = 1024;
/** Longest `agentId`, `actor`, `sourceIp` or `requestId` accepted. */
export const MAX_FIELD_LENGTH = 256;

/**
 * Names of `details` keys (at any depth, case-insensitive) that are refused because they name a
 * secret (no secret in an audit record: ARCHITECTURE.md, Security rules). The audit log is
 * append-only and exported, so a secret written there can never be taken back; this is a safety net
 * behind the rule that callers put only non-secret facts in `details`:
 *
 * - anything containing `secret`, `password`/`passwd`, `private_key`/`privateKey`, `master_key`,
 *   `api_key`/`apiKey`, `credential_value`: client secrets, passwords, key material;
 * - anything ending in `token` (`token`, `access_token`, `refresh_token`, `subject_token`,
 *   `bootstrapToken`, `initial_access_token`...): bearer tokens. Record the token's `jti` instead;
 *   names that merely start with `token` (`token_type`) are fine;
 * - `assertion`, `client_assertion`, `authorization`, `cookie`, `set_cookie`: parameters and headers
 *   that carry a bearer credential (a DPoP proof or any other compact JWS/JWE value is refused by
 *   its shape instead, whatever its key);
 * - the private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1): `d`, `p`, `q`, `dp`, `dq`, `qi`,
 *   `oth`, `k` — so a whole private JWK cannot be logged by accident. Public members (`kty`, `crv`,
 *   `x`, `y`, `n`, `e`, `kid`) are allowed.
 */
export const SECRET_DETAIL_KEY =
  /^(?:d|p|q|dp|dq|qi|oth|k|assertion|client_?assertion|authorization|cookie|set_?cookie|.*token)$|secret|passw(?:or)?d|private_?key|master_?key|api_?key|credential_?value/i;

/** A JWS or JWE in compact serialization (RFC 7515 §7.1, RFC 7516 §7.1): a raw token or proof. */
const COMPACT_JOSE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/;

const EVENTS: ReadonlySet<string> = new Set(AUDIT_EVENTS);

/**
 * Checks a `CommitUnit` at the commit log's boundary: every audit record in `audit` and `onReplay`
 * is checked by {@link assertAuditInput}. Throws `TypeError` (programmer misuse: ARCHITECTURE.md, Errors).
 */
export function assertCommitUnit(unit: CommitUnit): void {
  if (typeof unit !== 'object' || unit === null) throw new TypeError('audit: a commit unit must be an object');
  if (!Array.isArray(unit.claims) || !Array.isArray(unit.audit) || !Array.isArray(unit.issuedTokens) || !Array.isArray(unit.onReplay)) {
    throw new TypeError('audit: a commit unit needs arrays claims, audit, issuedTokens and onReplay');
  }
  if (unit.certificates !== undefined && !Array.isArray(unit.certificates)) throw new TypeError('audit: a commit unit\'s certificates must be an array');
  for (const input of unit.audit) assertAuditInput(input);
  for (const input of unit.onReplay) assertAuditInput(input);
}

/**
 * Checks one audit record before it is queued, so nothing can fail later inside the store's
 * transaction (where it would fail a whole batch of other requests). Throws `TypeError` when:
 *
 * - `event` is not in `AUDIT_EVENTS` (the closed list, docs/events.md), or `outcome` is neither
 *   `success` nor `failure`, or `time` is not a non-negative integer (ms);
 * - a string field is longer than {@link MAX_FIELD_LENGTH} ({@link MAX_REASON_LENGTH} for `reason`);
 * - `details` is not a plain object of JSON values (strings, finite numbers, booleans, null, arrays,
 *   plain objects), is nested deeper than {@link MAX_DETAILS_DEPTH}, or is larger than
 *   {@link MAX_DETAILS_SIZE};
 * - a `details` key matches {@link SECRET_DETAIL_KEY}, or `reason` or a `details` string is a compact
 *   JWS/JWE (a raw token or proof).
 *
 * The size is measured by the same walk that checks the types, without serialising: strings count
 * their length plus quotes (escapes are not counted), numbers their decimal length, and every
 * bracket, comma, colon and key as JSON would write them. That keeps the hot path free of a
 * `JSON.stringify` per record while still bounding what reaches the database.
 *
 * What it does not check: that a value which is not named like a secret is not one. Callers put
 * only non-secret facts in `details` (a `jti`, a thumbprint, scopes), never the credential.
 */
export function assertAuditInput(input: AuditInput): void {
  if (typeof input !== 'object' || input === null) throw new TypeError('audit: a record must be an object');
  if (!EVENTS.has(input.event)) throw new TypeError(`audit: unknown event ${JSON.stringify(String(input.event).slice(0, 64))}`);
  if (input.outcome !== 'success' && input.outcome !== 'failure') throw new TypeError('audit: outcome must be success or failure');
  if (!Number.isSafeInteger(input.time) || input.time < 0) throw new TypeError('audit: time must be integer milliseconds');
  checkField('agentId', input.agentId, MAX_FIELD_LENGTH);
  checkField('actor', input.actor, MAX_FIELD_LENGTH);
  checkField('sourceIp', input.sourceIp, MAX_FIELD_LENGTH);
  checkField('requestId', input.requestId, MAX_FIELD_LENGTH);
  checkField('reason', input.reason, MAX_REASON_LENGTH);
  if (input.reason !== null && COMPACT_JOSE.test(input.reason)) throw new TypeError('audit: reason looks like a token');
  const details: unknown = input.details;
  if (!isPlainObject(details)) throw new TypeError('audit: details must be a plain object');
  if (detailsSize(details, 1) > MAX_DETAILS_SIZE) throw new TypeError(`audit: details larger than ${MAX_DETAILS_SIZE} characters`);
}

function checkField(name: string, value: unknown, max: number): void {
  if (value === null) return;
  if (typeof value !== 'string') throw new TypeError(`audit: ${name} must be a string or null`);
  if (value.length > max) throw new TypeError(`audit: ${name} longer than ${max} characters`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The JSON length of `value`, checking types, key names and depth on the way. Stops early (returns
 * a size over the limit) as soon as the limit is passed, so a huge blob costs little to refuse.
 */
function detailsSize(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      if (value.length > 20 && COMPACT_JOSE.test(value)) throw new TypeError('audit: a details value looks like a token');
      return value.length + 2;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('audit: details numbers must be finite');
      return String(value).length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (depth > MAX_DETAILS_DEPTH) throw new TypeError(`audit: details nested deeper than ${MAX_DETAILS_DEPTH}`);
      let size = 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && size <= MAX_DETAILS_SIZE; i++) {
          if (value[i] === undefined) throw new TypeError('audit: undefined inside a details array');
          size += (i === 0 ? 0 : 1) + detailsSize(value[i], depth + 1);
        }
        return size;
      }
      if (!isPlainObject(value)) throw new TypeError('audit: details may hold only JSON values and plain objects');
      for (const key in value) {
        if (size > MAX_DETAILS_SIZE) break;
        if (!Object.hasOwn(value, key)) continue;
        if (SECRET_DETAIL_KEY.test(key)) throw new TypeError(`audit: details key ${JSON.stringify(key.slice(0, 64))} names a secret`);
        const member = value[key];
        // JSON.stringify leaves undefined members out, and so does the canonical form.
        if (member === undefined) continue;
        // "key": plus a comma before every member but the first.
        size += (size === 2 ? 0 : 1) + key.length + 3 + detailsSize(member, depth + 1);
      }
      return size;
    }
    default:
      throw new TypeError(`audit: a ${typeof value} in details is not a JSON value`);
  }
}
