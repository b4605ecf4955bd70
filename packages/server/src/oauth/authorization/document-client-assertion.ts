import { CLIENT_ASSERTION_TYPE_JWT_BEARER } from '@agentauth/protocol';
import { replayClaimExpiry } from '../../jwt/claim-rules.js';
import { CLIENT_ASSERTION } from '../../jwt/jwt-kinds.js';
import { FetchError } from '../../net/fetch-error.js';
import type { JwksKey, RemoteJwks } from '../../net/remote-jwks.js';
import type { ReplayClaim } from '../../store/ports/replay-claim-store.js';
import type { ClientEntry } from '../client-directory.js';
import { parseClientAssertion, verifyClientAssertion } from '../client-auth/private-key-jwt.js';
import type { FormParameters } from '../form-parameters.js';
import { invalidClient } from '../oauth-error.js';
import type { ReplayCache } from '../replay-cache.js';
import type { PublicClient } from './client-metadata-document.js';
import { publicClientPrincipal } from './public-client-principal.js';

/** What checking a document client's assertion needs. */
export interface DocumentClientAssertionDeps {
  issuer: string;
  /** The JWK Sets of documents' `jwks_uri`, fetched through the SSRF guard and cached. */
  remoteJwks: Pick<RemoteJwks, 'keys'>;
  replayCache: Pick<ReplayCache, 'claim'>;
}

/**
 * Authenticates a client whose Client ID Metadata Document says `private_key_jwt`
 * (draft-ietf-oauth-client-id-metadata-document §6.2, RFC 7523 §2.2, §3) with the same rules as
 * an agent's assertion (`parseClientAssertion`: `iss` = `sub` = the client id URL, `aud` the
 * issuer, at most 5 minutes, a `jti`), verified against the document's inline `jwks` or the JWK
 * Set at its `jwks_uri`. The `jti` is claimed in this process at once; the returned claim is made
 * durable with the token's group commit.
 *
 * @throws {OAuthError} `invalid_client` (fixed description), the reason in its detail
 */
export async function authenticateDocumentClient(deps: DocumentClientAssertionDeps, client: PublicClient, form: FormParameters, nowMs: number): Promise<ReplayClaim> {
  const auth = client.document?.auth;
  if (auth === undefined || auth.method !== 'private_key_jwt') throw invalidClient('client does not authenticate with private_key_jwt');
  const assertion = form.get('client_assertion');
  if (assertion === undefined || form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE_JWT_BEARER) throw invalidClient('client_assertion with the jwt-bearer client_assertion_type required (private_key_jwt)');
  const parsed = parseClientAssertion(assertion, deps.issuer, Math.floor(nowMs / 1000));
  if (typeof parsed === 'string') throw invalidClient(parsed);
  if (parsed.clientId !== client.clientId) throw invalidClient('client_id does not match the assertion');
  let keys: JwksKey[];
  try {
    keys = 'keys' in auth ? auth.keys : await deps.remoteJwks.keys(auth.jwksUri, parsed.kid);
  } catch (error) {
    if (error instanceof FetchError) throw invalidClient(`jwks_uri unavailable (${error.code})`);
    throw error;
  }
  const entry: ClientEntry = { agent: publicClientPrincipal(client, '', []).client.agent, keys: keys.map((k) => ({ credentialId: 'jwks', kid: k.kid ?? '', alg: k.alg, key: k.key })), secretHashes: [] };
  const key = verifyClientAssertion(parsed, entry);
  if (typeof key === 'string') throw invalidClient(key);
  // RFC 7523 §3 item 7: one use per jti until the assertion expires.
  const claim = { key: `assertion:${parsed.clientId}:${parsed.jti}`, expiresAt: replayClaimExpiry(parsed.exp, CLIENT_ASSERTION) };
  if (!deps.replayCache.claim(claim.key, claim.expiresAt, nowMs)) throw invalidClient('assertion jti replayed');
  return claim;
}
