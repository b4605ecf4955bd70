/** RFC 9068 §2.1 JOSE header `typ` of a JWT access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** RFC 7800 / RFC 8705 §3.1 / RFC 9449 §6.1 confirmation claim. */
export interface ConfirmationClaim {
  jkt?: string;
  'x5t#S256'?: string;
}

/** RFC 8693 §4.1 actor claim: the current actor, prior actors nested inside. */
export interface ActorClaim {
  sub: string;
  iss?: string;
  client_id?: string;
  act?: ActorClaim;
}

/**
 * The claims of an agentauth access token (RFC 9068 §2.2).
 * `sub` is the agent id; `client_id` is the client that obtained the token.
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  client_id: string;
  scope?: string;
  cnf?: ConfirmationClaim;
  act?: ActorClaim;
  /** RFC 8693 §4.4: the only party that may become the actor when this token is exchanged. */
  may_act?: ActorClaim;
  /** agentauth extension: per-task token identifier. */
  task_id?: string;
  /** RFC 9396 §9.1: exactly the authorization details a person approved (CIBA, docs/approvals.md). */
  authorization_details?: AuthorizationDetail[];
}

/**
 * RFC 9396 §2 one authorization detail: `type` names what it is, the common fields of §2.2
 * (`locations`, `actions`, `datatypes`, `identifier`, `privileges`) and the type's own fields.
 */
export interface AuthorizationDetail {
  type: string;
  locations?: string[];
  actions?: string[];
  datatypes?: string[];
  identifier?: string;
  privileges?: string[];
  [field: string]: unknown;
}
