import type { ActorClaim, AuthorizationDetail } from '@agentauth/protocol';
import type { ReplayClaim } from '../../store/ports/replay-claim-store.js';
import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { FormParameters } from '../form-parameters.js';
import type { OAuthRequest } from '../oauth-request.js';

/** What a grant handler is given: the parsed request and the client that authenticated. */
export interface TokenRequestContext {
  request: OAuthRequest;
  form: FormParameters;
  client: AuthenticatedClient;
  /** ms */
  now: number;
}

/**
 * What a grant decides: who the token is about, for whom and what, and for how long. The token
 * endpoint turns it into an RFC 9068 access token, adds the sender constraint, and commits it.
 */
export interface GrantOutcome {
  /** `sub` of the token (the agent id for client_credentials; the subject for token exchange). */
  subject: string;
  audience: string[];
  scopes: string[];
  /** Lifetime in seconds, already capped by the grant's rules. */
  ttl: number;
  /** RFC 8693 §4.1 actor chain. */
  act?: ActorClaim;
  /** RFC 8693 §4.4 `may_act`: the only party that may exchange the issued token. */
  mayAct?: ActorClaim;
  /** agentauth extension: per-task token identifier. */
  taskId?: string;
  /** The `jti` this token derives from (RFC 8693 lineage), if any. */
  parentJti?: string | null;
  /** RFC 8693 §2.2.1 `issued_token_type`, for grants that must say it. */
  issuedTokenType?: string;
  /** Single-use claims this grant needs (e.g. a federated assertion's `jti`). */
  replayClaims?: ReplayClaim[];
  /** Non-secret facts for the audit record. */
  auditDetails: Record<string, unknown>;
  /**
   * Runs once the token is committed, before it is returned (a delegation's record: docs/people.md,
   * "Agents acting for you"). An `OAuthError` it throws refuses the request: the token is never
   * returned, and it must have revoked the token itself if it stays issued.
   */
  afterCommit?: (token: { jti: string; scopes: readonly string[]; audience: readonly string[]; issuedAt: number; expiresAt: number }) => Promise<void>;
  /** RFC 9396 §9.1: the token's `authorization_details`. */
  authorizationDetails?: AuthorizationDetail[];
  /** A person approved this token (CIBA): a policy's `@require_approval` is met. */
  approved?: boolean;
}

/** One grant type's logic (RFC 6749 §4.4, RFC 8693, RFC 7523 §2.1). Throws `OAuthError` to refuse. */
export type GrantHandler = (context: TokenRequestContext) => Promise<GrantOutcome>;
