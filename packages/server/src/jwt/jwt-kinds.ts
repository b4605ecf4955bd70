import { ACCESS_TOKEN_TYP } from '@agentauth/protocol';
import { CLOCK_SKEW_SECONDS, FEDERATED_CLOCK_SKEW_SECONDS } from './clock-skew.js';

/** What the server tolerates of one kind of JWT it reads, whichever door it comes through. */
export interface JwtKind {
  /** Longest token looked at, in characters; a longer one is refused before it is parsed. */
  maxLength: number;
  /** Clock skew tolerated for its time claims, seconds. */
  skew: number;
  /**
   * The header `typ` it must have (an explicitly typed kind, RFC 8725 §3.11), or undefined for a
   * kind that has none of its own (then `typ` is optional, but never another kind's).
   */
  typ: string | undefined;
}

/** RFC 7523 §2.2 `private_key_jwt` client assertions, signed by our agents' registered keys. */
export const CLIENT_ASSERTION: JwtKind = { maxLength: 8 * 1024, skew: CLOCK_SKEW_SECONDS, typ: undefined };

/**
 * Trusted issuers' JWTs (RFC 7523 §2.1 grants, §2.2 client assertions, RFC 8693 subject tokens);
 * Kubernetes and GitHub tokens are 1-2 KiB.
 */
export const FEDERATED_JWT: JwtKind = { maxLength: 16 * 1024, skew: FEDERATED_CLOCK_SKEW_SECONDS, typ: undefined };

/**
 * Our own RFC 9068 access tokens presented back (introspection, revocation, token exchange, our
 * own APIs): `typ` exactly `at+jwt`, which is all we issue. Many proxies cap a header at 8 KiB.
 */
export const OWN_ACCESS_TOKEN: JwtKind = { maxLength: 8 * 1024, skew: CLOCK_SKEW_SECONDS, typ: ACCESS_TOKEN_TYP };
