/**
 * A single-use claim: a credential (client assertion, DPoP proof, federated JWT) that must never be
 * accepted twice. The store records the pair `(expiresAt, key)` and refuses it a second time
 * (migration 0011: keyed by expiry first, a batch's claims land on a few neighbouring pages).
 *
 * So `expiresAt` MUST be a function of the signed credential alone (its `exp`, or its `iat` plus a
 * fixed window), never of the time it was presented: the same credential presented again must name
 * the same pair, in any process, on any node, after any restart.
 */
export interface ReplayClaim {
  /** Namespaced key, e.g. `assertion:<client_id>:<jti>`. */
  key: string;
  /** When the claim may be forgotten, ms: derived from the credential only (see above). */
  expiresAt: number;
}

/**
 * Replay claims outside the commit log. Claims are made in a `CommitUnit`, atomically with what
 * they guard; these two verbs let a process that is the authority on DPoP proofs hand its live
 * ones over at shutdown, and the next one take them back.
 */
export interface ReplayClaimStore {
  /** Records each pair once (an existing pair stays). */
  keepReplayClaims(claims: readonly ReplayClaim[]): Promise<void>;
  /** The replay claims whose key starts with `prefix` and that expire after `now`, by expiry. */
  liveReplayClaims(prefix: string, now: number): Promise<ReplayClaim[]>;
}
