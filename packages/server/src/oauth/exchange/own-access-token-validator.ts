import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT, parseScope, type AccessTokenClaims } from '@agentauth/protocol';
import type { SigningKeyRing } from '../../keys/signing-key-ring.js';
import { isTokenActive } from '../endpoints/token-activity.js';
import type { LineageReader } from './lineage-activity.js';
import type { PersonChainRoot } from './person-standing.js';
import type { SubjectTokenValidator, SubjectTokenVerdict, ValidatedSubjectToken } from './subject-token-validator.js';
import type { TokenDigester } from '../../tokens/token-digest.js';
import { checkOwnAccessToken, PresentedToken } from '../own-access-token.js';

export interface OwnAccessTokenValidatorDeps {
  issuer: string;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: LineageReader;
  /** Recognises our tokens by the digest kept at issuance (`checkOwnAccessToken`). */
  digester: Pick<TokenDigester, 'matches'>;
}

/** Checks an access token of ours and that it is active now; the claims, or why not. */
export async function verifyActiveOwnToken(
  deps: OwnAccessTokenValidatorDeps,
  token: PresentedToken,
  now: number,
): Promise<{ ok: true; claims: AccessTokenClaims; generation: number; person?: PersonChainRoot } | { ok: false; reason: string }> {
  const { result: verified, state } = await checkOwnAccessToken(token, { issuer: deps.issuer, keys: deps.keys, nowMs: now, tokens: deps.store, digester: deps.digester });
  if (verified.status === 'expired') return { ok: false, reason: 'token expired' };
  if (verified.status === 'invalid') return { ok: false, reason: verified.reason };
  const activity = await isTokenActive(deps.store, verified.claims, state);
  if (!activity.active) return { ok: false, reason: activity.reason };
  return { ok: true, claims: verified.claims, generation: activity.generation, ...(activity.person === undefined ? {} : { person: activity.person }) };
}

/**
 * Our own RFC 9068 access tokens as RFC 8693 subject tokens, under either token type that names
 * them (`access_token`, or `jwt`: they are JWTs). Recognizes a token by its (unverified) `iss`
 * only to route it; then checks everything: ours byte for byte (the digest kept at issuance, or
 * else the signature by a published key of ours; `checkOwnAccessToken`), `typ: at+jwt`,
 * our `iss`, within `nbf`/`exp`, not revoked, its agent active, and its whole lineage active
 * (`isTokenActive`). A person's token (from the authorization code flow, or exchanged from one) is
 * active while the person is, the authorization stands and every agent in its chain still acts for
 * the person; the validated token then names the authorization at its root (`person`).
 */
export function ownAccessTokenValidator(deps: OwnAccessTokenValidatorDeps): SubjectTokenValidator {
  return {
    name: 'own-access-token',
    tokenTypes: [TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT],
    async validate(token, context): Promise<SubjectTokenVerdict> {
      // Decoded once: its unverified `iss` routes it, then the same decoding is checked in full.
      const presented = PresentedToken.of(token);
      if (typeof presented.decoded === 'string' || presented.decoded.payload['iss'] !== deps.issuer) return { status: 'unrecognized' };
      const result = await verifyActiveOwnToken(deps, presented, context.now);
      if (!result.ok) return { status: 'invalid', reason: result.reason };
      const validated = fromClaims(result.claims, result.generation);
      if (result.person !== undefined) validated.person = result.person;
      return { status: 'valid', token: validated };
    },
  };
}

function fromClaims(claims: AccessTokenClaims, generation: number): ValidatedSubjectToken {
  const token: ValidatedSubjectToken = {
    issuer: claims.iss,
    subject: claims.sub,
    scopes: typeof claims.scope === 'string' ? (parseScope(claims.scope) ?? []) : [],
    audience: typeof claims.aud === 'string' ? [claims.aud] : claims.aud,
    expiresAt: claims.exp,
    clientId: claims.client_id,
    lineageJti: claims.jti,
    generation,
    auditDetails: { subject_jti: claims.jti },
  };
  if (claims.act !== undefined) token.act = claims.act;
  if (claims.may_act !== undefined) token.mayAct = claims.may_act;
  if (claims.cnf !== undefined) token.cnf = claims.cnf;
  if (claims.task_id !== undefined) token.taskId = claims.task_id;
  return token;
}
