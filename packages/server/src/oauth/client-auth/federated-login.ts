import type { ReplayClaim } from '../../store/ports/replay-claim-store.js';

/**
 * Who a federated JWT proved to be (docs/federation.md). Every field is a non-secret fact fit for
 * the audit. Client authentication carries it to the grants; federation/ fills it in.
 */
export interface FederatedIdentity {
  /** The agent of the one binding rule that matched. */
  agentId: string;
  trustedIssuerId: string;
  issuer: string;
  bindingRuleId: string;
  /** The JWT's `sub`, if a string. */
  subject: string | undefined;
  /** Seconds (NumericDate). */
  exp: number;
  /** The durable single-use claim of the JWT's `jti`; undefined without `jti` or when the issuer allows reuse. */
  replayClaim: ReplayClaim | undefined;
}

/** How a federated JWT authenticated the request (for grants and the audit). */
export interface FederatedLogin {
  identity: FederatedIdentity;
  /** `client_assertion` (RFC 7523 §2.2) or the jwt-bearer grant's `assertion` (RFC 7523 §2.1). */
  via: 'client_assertion' | 'assertion';
}
