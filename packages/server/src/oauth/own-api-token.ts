import { parseScope, type AccessTokenClaims } from '@agentauth/protocol';
import type { Clock } from '../clock.js';
import type { SigningKeyRing } from '../keys/signing-key-ring.js';
import type { Store } from '../store/store.js';
import type { TokenDigester } from '../tokens/token-digest.js';
import { isTokenActive } from './endpoints/token-activity.js';
import { checkOwnAccessToken, PresentedToken } from './own-access-token.js';

/** Longest bearer credential looked at; ours are far shorter, so longer ones are refused unread. */
export const MAX_CREDENTIAL_LENGTH = 8 * 1024;
/** RFC 6750 §2.1: `Bearer` (case-insensitive scheme, RFC 9110 §11.1), one space, a b64token. */
export const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export interface OwnApiTokenDeps {
  /** Our issuer identifier: the `iss` of our tokens, and the audience of tokens for our own APIs. */
  issuer: string;
  clock: Clock;
  keys: Pick<SigningKeyRing, 'publicKey'>;
  store: Pick<Store, 'getTokenState' | 'getAgentStanding'>;
  /** Recognises our tokens by the digest kept at issuance; without it, every signature is verified. */
  digester?: Pick<TokenDigester, 'matches'> | undefined;
}

/** A bearer credential for one of our own APIs, checked; or why not. */
export type OwnApiToken =
  | { ok: true; agentId: string; claims: AccessTokenClaims; scopes: string[] }
  | {
      ok: false;
      /** 401: not authenticated; 403: authenticated, but without the required scope. */
      status: 401 | 403;
      /** False when no credential was sent at all (RFC 6750 §3.1: then a bare challenge). */
      presented: boolean;
      /** Private reason for the log and the audit record; never contains the credential. */
      reason: string;
      agentId: string | null;
    };

/**
 * The one check of a bearer access token presented at the server's own APIs (admin API, CA,
 * Shared Signals): one of our tokens, checked as every door checks them (`checkOwnAccessToken`:
 * our header policy, our published keys, the resource-server SDK's claim rules, one validation
 * path, dogfooded) with our issuer as the audience; not revoked (RFC 7009), and still stood behind
 * by its agent, its client and its whole lineage (`isTokenActive`); a bearer token, since these
 * APIs check no sender constraint (RFC 9449 §7.1, RFC 8705 §3: a bound token is only good with its
 * proof); and it must carry `requiredScope` (403 otherwise).
 */
export async function checkOwnApiToken(deps: OwnApiTokenDeps, authorization: string | undefined, requiredScope: string): Promise<OwnApiToken> {
  const refuse = (reason: string, agentId: string | null = null, presented = true): OwnApiToken => ({ ok: false, status: 401, presented, reason, agentId });
  if (authorization === undefined || authorization === '') return refuse('no credential', null, false);
  if (authorization.length > MAX_CREDENTIAL_LENGTH) return refuse('credential too large');
  const match = BEARER.exec(authorization);
  if (match === null) return refuse('not a Bearer credential');

  const { issuer, keys, store, digester } = deps;
  const presented = PresentedToken.of(match[1] ?? '');
  const { result, state } = await checkOwnAccessToken(presented, { issuer, keys, nowMs: deps.clock.now(), audience: issuer, tokens: store, digester });
  if (result.status === 'expired') return refuse('access token refused: expired');
  if (result.status === 'invalid') return refuse(`access token refused: ${result.reason}`);
  const { claims } = result;
  const agentId = claims.sub;
  if (claims.cnf !== undefined) return refuse('access token refused: sender-constrained', agentId);
  const activity = await isTokenActive(store, claims, state);
  if (!activity.active) return refuse(activity.reason, agentId);
  const scopes = claims.scope === undefined ? [] : (parseScope(claims.scope) ?? []);
  if (!scopes.includes(requiredScope)) return { ok: false, status: 403, presented: true, reason: `access token lacks ${requiredScope}`, agentId };
  return { ok: true, agentId, claims, scopes };
}
