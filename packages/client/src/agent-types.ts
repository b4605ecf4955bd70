/** An access token as the agent holds it. */
export interface AccessToken {
  accessToken: string;
  /** `DPoP` when bound to the agent's DPoP key (RFC 9449), else `Bearer` (RFC 6750). */
  tokenType: 'Bearer' | 'DPoP';
  /** Granted scope, when the server said (RFC 6749 §5.1). */
  scope: string | undefined;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** What `Agent.exchange` asks for (RFC 8693 §2.1). */
export interface ExchangeRequest {
  /** The token to act on behalf of (e.g. the user's or the calling agent's access token). */
  subjectToken: string;
  /** RFC 8693 §3 type of `subjectToken` (default `urn:ietf:params:oauth:token-type:access_token`). */
  subjectTokenType?: string;
  resource?: string;
  scope?: string;
  /** agentauth extension: ties the token to one task (`task_id` claim, audit, lineage). */
  taskId?: string;
}

/** Extra options of `Agent.fetch`. */
export interface AgentFetchInit extends RequestInit {
  /** Scope to request for this call (default: the resource's configured scope). */
  scope?: string;
  /** Resource indicator to request the token for (default: derived from the URL). */
  resource?: string;
  /**
   * Send this token instead of one the agent requests: a delegated or per-task token from
   * `Agent.exchange`. Not combined with `scope` or `resource`.
   */
  token?: AccessToken;
}

/** The result of `Agent.rotateKey`. */
export interface KeyRotation {
  kid: string;
  previousKid: string;
}

/**
 * Where token requests go over mutual TLS (RFC 8705 §5): the `mtls_endpoint_aliases` token
 * endpoint, and a `fetch` that presents the agent's current certificate there.
 */
export interface MutualTlsTransport {
  tokenEndpoint: string;
  fetch: typeof fetch;
}
