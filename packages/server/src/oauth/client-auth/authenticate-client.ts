import { CLIENT_ASSERTION_TYPE_JWT_BEARER, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_API_KEY, type ClientAuthMethod } from '@agentauth/protocol';
import type { FederatedLogin } from './federated-login.js';
import type { FailureLimiter } from '../../limits/failure-limiter.js';
import type { ReplayClaim } from '../../store/ports/replay-claim-store.js';
import type { ClientDirectory, ClientEntry } from '../client-directory.js';
import type { FormParameters } from '../form-parameters.js';
import { invalidClient, invalidRequest, OAuthError } from '../oauth-error.js';
import type { ReplayCache } from '../replay-cache.js';
import type { ClientCertificate } from '../mtls/client-certificate.js';
import { decodeBasicCredentials, matchClientSecret } from './client-secret.js';
import { verifyPkiClientCertificate, type TlsClientAuthDeps } from './tls-client-auth.js';
import { verifySelfSignedClientCertificate } from './tls-self-signed-client-auth.js';
import { replayClaimExpiry } from '../../jwt/claim-rules.js';
import { CLIENT_ASSERTION } from '../../jwt/jwt-kinds.js';
import { parseClientAssertion, verifyClientAssertion } from './private-key-jwt.js';
import { standingFault } from '../../agents/agent-standing.js';

/** A client that proved who it is. */
export interface AuthenticatedClient {
  client: ClientEntry;
  /** `none` only for the jwt-bearer grant without client credentials (RFC 7523 §3.1). */
  method: ClientAuthMethod | 'none';
  /** The credential id, or for a federated login the binding rule's id. */
  credentialId: string;
  /** The assertion `jti` to claim durably with this request's writes (private_key_jwt only). */
  replayClaim: ReplayClaim | undefined;
  /** Set when a JWT of a trusted issuer authenticated the request (docs/federation.md). */
  federated?: FederatedLogin;
}

/** Thrown for a failed authentication; carries the client_id when one was named, for the audit. */
export class ClientAuthenticationError extends OAuthError {
  constructor(
    base: OAuthError,
    readonly clientId: string | undefined,
  ) {
    super(base.code, base.status, base.description, base.detail, base.headers);
  }
}

/**
 * Federated workload login as client authentication sees it (docs/federation.md): federation/
 * implements it, so the protocol core never imports the trusted issuers it does not own.
 */
export interface FederatedAuthenticator {
  /** True when `jwt` names a trusted issuer (unverified), so it is routed here, not to `private_key_jwt`. */
  isFederated(jwt: string): boolean;
  /** RFC 7523 §2.2: a trusted issuer's JWT as `client_assertion`. Throws `ClientAuthenticationError` (`invalid_client`). */
  authenticateClientAssertion(directory: ClientDirectory, assertion: string, formClientId: string | undefined): Promise<AuthenticatedClient>;
  /** RFC 7523 §3.1: the jwt-bearer grant's `assertion`, without client credentials. Throws `ClientAuthenticationError` (`invalid_grant`). */
  authenticateGrantAssertion(directory: ClientDirectory, form: FormParameters): Promise<AuthenticatedClient>;
}

/**
 * A token exchange whose `subject_token` is a managed API key, sent without client credentials
 * (docs/migration.md, "Keys become tokens"): RFC 8693 §2.1 leaves unauthenticated clients to the
 * server's discretion, and here the key itself says which agent is asking. `api-keys/` implements
 * it, so the protocol core never reads the key store.
 */
export interface ApiKeyLogin {
  /**
   * Authenticates the key's agent by the form's `subject_token`. Throws
   * `ClientAuthenticationError` (`invalid_request`, RFC 8693 §2.2.2) with a fixed description.
   */
  authenticateSubjectKey(directory: ClientDirectory, form: FormParameters, sourceIp: string | null): Promise<AuthenticatedClient>;
}

export interface ClientAuthenticationDeps {
  issuer: string;
  directory: ClientDirectory;
  replayCache: ReplayCache;
  nowMs: () => number;
  /** RFC 8705 §2 client certificate authentication; without it, certificates authenticate nobody. */
  mtls?: TlsClientAuthDeps;
  /** Federated `client_assertion`s (RFC 7523 §2.2 with a trusted issuer's JWT); without it, none. */
  federation?: FederatedAuthenticator;
  /**
   * Set at the token endpoint only: with `grant_type` jwt-bearer and no client credentials, the
   * grant's `assertion` authenticates the workload (RFC 7523 §3.1).
   */
  federatedGrant?: FederatedAuthenticator;
  /**
   * Set at the token endpoint only: with `grant_type` token-exchange, a managed API key as
   * `subject_token` and no client credentials, the key authenticates its agent (docs/migration.md).
   */
  apiKeyGrant?: ApiKeyLogin;
  /**
   * Failed-authentication limits, applied by `authenticateClientWithinLimits` (not by
   * {@link authenticateClient} itself); without them, none.
   */
  limits?: FailureLimiter | undefined;
}

/**
 * RFC 6749 §2.3 client authentication at the token, introspection and revocation endpoints:
 * `private_key_jwt` (RFC 7523 §2.2), `client_secret_basic` and `client_secret_post` (RFC 6749
 * §2.3.1), and with the mutual-TLS client certificate, `tls_client_auth` and
 * `self_signed_tls_client_auth` (RFC 8705 §2), when no other method is used and `client_id` names
 * the client (RFC 8705 §2: it is required then). Exactly one method per request (§2.3: "MUST NOT use more than one"), and it must be the
 * method the client registered. A client that is not active fails here, at once.
 *
 * Federation (docs/federation.md): a `client_assertion` from a trusted issuer authenticates the
 * agent of its one binding rule (RFC 7523 §2.2); at the token endpoint, a jwt-bearer grant with no
 * client credentials is authenticated by its `assertion` (RFC 7523 §3.1).
 *
 * Does NOT check grant types, scopes or resources: the endpoint does.
 */
export async function authenticateClient(
  deps: ClientAuthenticationDeps,
  form: FormParameters,
  authorization: string | undefined,
  certificate?: ClientCertificate,
  sourceIp: string | null = null,
): Promise<AuthenticatedClient> {
  const assertion = form.get('client_assertion');
  const assertionType = form.get('client_assertion_type');
  const postSecret = form.get('client_secret');
  const basic = authorization !== undefined && /^basic /i.test(authorization.trim());
  const formClientId = form.get('client_id');

  const methods = Number(assertion !== undefined || assertionType !== undefined) + Number(postSecret !== undefined) + Number(basic);
  if (methods > 1) throw new ClientAuthenticationError(invalidRequest('more than one client authentication method'), formClientId);
  if (methods === 0) {
    // A certificate alone authenticates only with client_id; with another method it may still bind the token (RFC 8705 §3).
    if (certificate !== undefined && deps.mtls !== undefined && formClientId !== undefined) {
      return authenticateWithCertificate(deps, deps.mtls, formClientId, certificate);
    }
    if (deps.federatedGrant !== undefined && form.get('grant_type') === GRANT_JWT_BEARER) return deps.federatedGrant.authenticateGrantAssertion(deps.directory, form);
    if (deps.apiKeyGrant !== undefined && form.get('grant_type') === GRANT_TOKEN_EXCHANGE && form.get('subject_token_type') === TOKEN_TYPE_API_KEY) {
      return deps.apiKeyGrant.authenticateSubjectKey(deps.directory, form, sourceIp);
    }
    throw new ClientAuthenticationError(invalidClient('no client authentication'), formClientId);
  }

  if (assertion !== undefined || assertionType !== undefined) {
    return authenticateWithAssertion(deps, assertion, assertionType, formClientId);
  }
  if (basic) {
    const credentials = decodeBasicCredentials(authorization ?? '');
    if (credentials === undefined) throw new ClientAuthenticationError(invalidClient('malformed Basic credentials'), undefined);
    if (formClientId !== undefined && formClientId !== credentials.clientId) {
      throw new ClientAuthenticationError(invalidRequest('client_id differs from the Basic credentials'), credentials.clientId);
    }
    return authenticateWithSecret(deps, credentials.clientId, credentials.secret, 'client_secret_basic');
  }
  if (formClientId === undefined) throw new ClientAuthenticationError(invalidClient('client_secret without client_id'), undefined);
  return authenticateWithSecret(deps, formClientId, postSecret ?? '', 'client_secret_post');
}

async function authenticateWithAssertion(
  deps: ClientAuthenticationDeps,
  assertion: string | undefined,
  assertionType: string | undefined,
  formClientId: string | undefined,
): Promise<AuthenticatedClient> {
  if (assertion === undefined || assertionType === undefined) {
    throw new ClientAuthenticationError(invalidRequest('client_assertion and client_assertion_type go together'), formClientId);
  }
  if (assertionType !== CLIENT_ASSERTION_TYPE_JWT_BEARER) {
    throw new ClientAuthenticationError(invalidClient('unsupported client_assertion_type'), formClientId);
  }
  if (deps.federation?.isFederated(assertion) === true) return deps.federation.authenticateClientAssertion(deps.directory, assertion, formClientId);
  const nowMs = deps.nowMs();
  const parsed = parseClientAssertion(assertion, deps.issuer, Math.floor(nowMs / 1000));
  if (typeof parsed === 'string') throw new ClientAuthenticationError(invalidClient(parsed), formClientId);
  if (formClientId !== undefined && formClientId !== parsed.clientId) {
    throw new ClientAuthenticationError(invalidClient('client_id does not match the assertion'), formClientId);
  }
  const client = await activeClient(deps, parsed.clientId, 'private_key_jwt');
  // RFC 7591 §2 jwks_uri: the agent's keys come from its published JWK Set (cached, SSRF-guarded).
  const keyed = client.agent.jwksUri === null ? client : await deps.directory.withRemoteKeys(client, parsed.kid);
  if (typeof keyed === 'string') throw new ClientAuthenticationError(invalidClient(keyed), parsed.clientId);
  const key = verifyClientAssertion(parsed, keyed);
  if (typeof key === 'string') throw new ClientAuthenticationError(invalidClient(key), parsed.clientId);

  // RFC 7523 §3 item 7: a jti may be used once until the assertion expires. This in-process check
  // spares a replay the rest of the request; the durable claim is made in the group commit.
  const replayClaim = {
    key: `assertion:${parsed.clientId}:${parsed.jti}`,
    expiresAt: replayClaimExpiry(parsed.exp, CLIENT_ASSERTION),
  };
  if (!deps.replayCache.claim(replayClaim.key, replayClaim.expiresAt, nowMs)) {
    throw new ClientAuthenticationError(invalidClient('assertion jti replayed'), parsed.clientId);
  }
  return { client, method: 'private_key_jwt', credentialId: key.credentialId, replayClaim };
}

async function authenticateWithSecret(
  deps: ClientAuthenticationDeps,
  clientId: string,
  secret: string,
  method: 'client_secret_basic' | 'client_secret_post',
): Promise<AuthenticatedClient> {
  const entry = await deps.directory.get(clientId);
  // Always hash and compare, even for an unknown client, so timing says nothing about existence.
  const credentialId = matchClientSecret(entry, secret);
  if (entry === undefined) throw new ClientAuthenticationError(invalidClient('unknown client'), clientId);
  if (credentialId === undefined) throw new ClientAuthenticationError(invalidClient('wrong client secret'), clientId);
  const client = await activeClient(deps, clientId, method);
  return { client, method, credentialId, replayClaim: undefined };
}

async function authenticateWithCertificate(
  deps: ClientAuthenticationDeps,
  mtls: TlsClientAuthDeps,
  clientId: string,
  certificate: ClientCertificate,
): Promise<AuthenticatedClient> {
  const registered = (await deps.directory.get(clientId))?.agent.tokenEndpointAuthMethod;
  const method = registered === 'self_signed_tls_client_auth' ? registered : 'tls_client_auth';
  const client = await activeClient(deps, clientId, method);
  const nowMs = deps.nowMs();
  const result =
    method === 'tls_client_auth' ? await verifyPkiClientCertificate(mtls, client, certificate, nowMs) : verifySelfSignedClientCertificate(client, certificate, nowMs);
  if (typeof result === 'string') throw new ClientAuthenticationError(invalidClient(result), clientId);
  return { client, method, credentialId: result.credentialId, replayClaim: undefined };
}

async function activeClient(deps: ClientAuthenticationDeps, clientId: string, method: ClientAuthMethod): Promise<ClientEntry> {
  const entry = await deps.directory.get(clientId);
  if (entry === undefined) throw new ClientAuthenticationError(invalidClient('unknown client'), clientId);
  const fault = standingFault(entry.agent);
  if (fault !== undefined) throw new ClientAuthenticationError(invalidClient(`agent ${fault}`), clientId);
  if (entry.agent.tokenEndpointAuthMethod !== method) {
    throw new ClientAuthenticationError(invalidClient(`client registered for ${entry.agent.tokenEndpointAuthMethod}, used ${method}`), clientId);
  }
  return entry;
}
