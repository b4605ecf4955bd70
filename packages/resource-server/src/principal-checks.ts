import { SCOPE_TOKEN_PATTERN } from '@agentauth/protocol';
import type { Principal } from './principal.js';
import { VerificationError } from './verification-error.js';

/**
 * A check of a verified principal against what one route needs. It throws
 * {@link VerificationError} to refuse (a 403 through every adapter) and returns nothing to allow.
 */
export type PrincipalCheck = (principal: Principal) => void;

/**
 * Requires every one of `scopes` in the token's `scope` (RFC 6750 §3.1): a refusal is
 * `insufficient_scope` (403) naming the scopes needed. Scope-tokens compare exactly
 * (RFC 6749 §3.3: case-sensitive), with no hierarchy or wildcard.
 */
export function requireScopes(...scopes: string[]): PrincipalCheck {
  if (scopes.length === 0) throw new TypeError('requireScopes needs at least one scope');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN_PATTERN.test(scope)) throw new TypeError('each scope must be an RFC 6749 §3.3 scope-token');
  }
  const needed = Object.freeze([...scopes]);
  return (principal) => {
    if (!needed.every((scope) => principal.scopes.includes(scope))) throw new VerificationError('ERR_INSUFFICIENT_SCOPE', { requiredScopes: needed });
  };
}

/**
 * Refuses a delegated token: one with an `act` claim (RFC 8693 §4.1), used by an actor on
 * behalf of its subject. Use it where only the agent itself may act.
 */
export function requireDirect(): PrincipalCheck {
  return (principal) => {
    if (principal.actors.length > 0) throw new VerificationError('ERR_DELEGATION_REFUSED');
  };
}

/**
 * Refuses a token whose delegation chain (`act`, nested prior actors: RFC 8693 §4.1) has more
 * than `depth` actors. `maxDelegationDepth(0)` is {@link requireDirect}.
 */
export function maxDelegationDepth(depth: number): PrincipalCheck {
  if (!Number.isInteger(depth) || depth < 0) throw new TypeError('depth must be a non-negative integer');
  return (principal) => {
    if (principal.actors.length > depth) throw new VerificationError('ERR_DELEGATION_REFUSED');
  };
}
