import type { ActorClaim, ConfirmationClaim } from '@agentauth/protocol';
import type { PersonChainRoot } from './person-standing.js';

/**
 * A `subject_token` (RFC 8693 §2.1) once its validator has accepted it: the facts the exchange
 * decides on, whoever issued it.
 */
export interface ValidatedSubjectToken {
  /** Who issued it: our issuer, or a trusted external issuer (federation). */
  issuer: string;
  /** `sub` of the exchanged token (RFC 8693 §4.1: "sub stays the subject"). An agent id, or a person's. */
  subject: string;
  /** The scopes it grants (RFC 8693 §2.1: the exchanged token may carry no more). */
  scopes: readonly string[];
  audience: readonly string[];
  /** `exp`, seconds: the exchanged token never outlives it. */
  expiresAt: number;
  /** Its RFC 8693 §4.1 `act` chain, nested into the exchanged token's. */
  act?: ActorClaim;
  /** RFC 8693 §4.4: the only party allowed to become the actor. */
  mayAct?: ActorClaim;
  /** The client that obtained it, when known. */
  clientId?: string;
  /** RFC 7800 confirmation: a sender-constrained token. */
  cnf?: ConfirmationClaim;
  taskId?: string;
  /**
   * The `jti` recorded as the exchanged token's `parent_jti` (lineage, cascade revocation): only
   * for tokens in our `issued_tokens`; null for tokens of other issuers.
   */
  lineageJti: string | null;
  /** How many exchanges separate it from its root token (0 for a root or a foreign token). */
  generation: number;
  /** Non-secret facts for the audit record (e.g. its `jti`). */
  auditDetails: Record<string, unknown>;
  /** A person's token (ours only): the authorization at the root of its chain (docs/people.md, "Agents acting for you"). */
  person?: PersonChainRoot;
}

export type SubjectTokenVerdict =
  | { status: 'valid'; token: ValidatedSubjectToken }
  /** One of this validator's tokens, refused; `reason` goes to the log and audit record only. */
  | { status: 'invalid'; reason: string }
  /** Not a token this validator knows (another issuer): the next validator is asked. */
  | { status: 'unrecognized' };

/** What a validator is told about the request. */
export interface SubjectTokenContext {
  /** ms */
  now: number;
  /** `subject_token_type` as sent (RFC 8693 §3 URI). */
  tokenType: string;
  /** The authenticated client (the would-be actor). */
  clientId: string;
  /** The RFC 8707 `resource`s the request names (none: the token's own audiences). */
  resources?: readonly string[];
  /** For the audit records a validator writes itself (a key's cut-over). */
  sourceIp?: string | null;
  requestId?: string | null;
}

/**
 * One source of acceptable subject tokens: our own access tokens
 * (`ownAccessTokenValidator`), and JWTs of configured trusted issuers (federation). The grant asks
 * each validator in turn; the first that does not answer `unrecognized` decides. A token no
 * validator recognizes is refused (RFC 8693 §2.2.2 `invalid_request`).
 */
export interface SubjectTokenValidator {
  /** For logs: `own-access-token`, `federation`, ... */
  readonly name: string;
  /** The RFC 8693 §3 token types it may recognize; others are never passed to it. */
  readonly tokenTypes: readonly string[];
  /** Validates one token. Never throws for bad input: answers `invalid` with a reason. */
  validate(token: string, context: SubjectTokenContext): Promise<SubjectTokenVerdict>;
}
