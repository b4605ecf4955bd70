import type { AuthorizationDetail } from '@agentauth/protocol';
import type { ExpiringKeys } from './expiring-keys.js';
import type { Principal } from './principal.js';
import type { PrincipalCheck } from './principal-checks.js';
import { VerificationError } from './verification-error.js';

/** A scalar a detail's field may be required to equal. */
export type DetailValue = string | number | boolean;

/**
 * What a route needs of one RFC 9396 authorization detail in the token: its `type`, fields equal
 * to given values (`equals`), numeric fields at least as large as the action's own (`covers`:
 * an approved `amount` of 2500 covers a payment of 900), numeric fields at most a bound (`atMost`),
 * and `actions` the detail must list (RFC 9396 §2.2).
 */
export interface DetailRequirement {
  type: string;
  equals?: Readonly<Record<string, DetailValue>>;
  covers?: Readonly<Record<string, number>>;
  atMost?: Readonly<Record<string, number>>;
  actions?: readonly string[];
}

/** Options of {@link requireAuthorizationDetails}. */
export interface RequireDetailsOptions {
  /**
   * Makes the token single use on this service: its `jti` is recorded here until the token
   * expires, and a second presentation is refused (`ERR_TOKEN_REUSED`, 401 `invalid_token`). One
   * process only: several replicas need a shared record (check {@link authorizationDetailFor}
   * yourself and claim the `jti` in your database).
   */
  singleUse?: ExpiringKeys;
  /** Clock for the single-use record (ms); default `Date.now`. */
  now?: () => number;
}

/**
 * The first of the token's `authorization_details` (RFC 9396 §9.1) that meets `requirement`, or
 * undefined. For a handler that checks the request it is serving: for example
 * `authorizationDetailFor(principal, { type: 'payment_initiation', equals: { currency: body.currency,
 * creditor: body.creditor }, covers: { amount: body.amount } })`.
 *
 * Does NOT check the token itself (the resource server did) nor that it is unused.
 */
export function authorizationDetailFor(principal: Pick<Principal, 'claims'>, requirement: DetailRequirement): AuthorizationDetail | undefined {
  checkRequirement(requirement);
  const details = (principal.claims as Record<string, unknown>)['authorization_details'];
  if (!Array.isArray(details)) return undefined;
  return (details as unknown[]).find((d): d is AuthorizationDetail => meets(d, requirement));
}

/**
 * A route check (like `requireScopes`) that refuses a token without an authorization detail
 * meeting `requirement` (`ERR_AUTHORIZATION_DETAILS`, 403 `insufficient_scope`), and with
 * `singleUse`, a token presented before (`ERR_TOKEN_REUSED`). Misuse throws `TypeError` at once.
 */
export function requireAuthorizationDetails(requirement: DetailRequirement, options: RequireDetailsOptions = {}): PrincipalCheck {
  checkRequirement(requirement);
  const now = options.now ?? Date.now;
  return (principal) => {
    if (authorizationDetailFor(principal, requirement) === undefined) throw new VerificationError('ERR_AUTHORIZATION_DETAILS');
    if (options.singleUse === undefined) return;
    const jti = principal.claims.jti;
    const exp = principal.claims.exp;
    if (typeof jti !== 'string' || typeof exp !== 'number') throw new VerificationError('ERR_TOKEN_REUSED');
    const key = `jti:${jti}`;
    const held = options.singleUse.expiryOf(key);
    if (held !== undefined && held > now()) throw new VerificationError('ERR_TOKEN_REUSED');
    options.singleUse.set(key, exp * 1000);
  };
}

function meets(value: unknown, requirement: DetailRequirement): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const detail = value as Record<string, unknown>;
  if (detail['type'] !== requirement.type) return false;
  for (const [field, wanted] of Object.entries(requirement.equals ?? {})) if (detail[field] !== wanted) return false;
  for (const [field, needed] of Object.entries(requirement.covers ?? {})) {
    const approved = detail[field];
    if (typeof approved !== 'number' || !(approved >= needed)) return false;
  }
  for (const [field, bound] of Object.entries(requirement.atMost ?? {})) {
    const approved = detail[field];
    if (typeof approved !== 'number' || !(approved <= bound)) return false;
  }
  const actions = detail['actions'];
  for (const action of requirement.actions ?? []) if (!Array.isArray(actions) || !actions.includes(action)) return false;
  return true;
}

function checkRequirement(requirement: DetailRequirement): void {
  if (typeof requirement !== 'object' || requirement === null || typeof requirement.type !== 'string' || requirement.type === '') throw new TypeError('requirement.type must be a non-empty string');
  for (const [name, map] of [['covers', requirement.covers], ['atMost', requirement.atMost]] as const) {
    for (const value of Object.values(map ?? {})) if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`requirement.${name} values must be finite numbers`);
  }
  for (const value of Object.values(requirement.equals ?? {})) if (!['string', 'number', 'boolean'].includes(typeof value)) throw new TypeError('requirement.equals values must be strings, numbers or booleans');
}
