/**
 * How far another clock may be from ours, in seconds, when the time claims of a JWT are judged
 * (RFC 7519 §4.1.4-4.1.5: "some small leeway ... to account for clock skew"): our own clock, for
 * our access tokens presented back, and our agents' clocks, for their client assertions.
 */
export const CLOCK_SKEW_SECONDS = 5;

/**
 * The same for the tokens of trusted issuers (RFC 7523 §3 items 4-6): other systems' clocks (a
 * Kubernetes API server, a CI provider), which we do not keep in step with ours.
 */
export const FEDERATED_CLOCK_SKEW_SECONDS = 30;
