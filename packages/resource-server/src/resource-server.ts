import { normalizeTargetUri, protectedResourceMetadataUrl, SIGNING_ALGS, type AuthZenResource, type SigningAlg } from '@agentauth/protocol';
import { decodeJwt } from 'jose';
import { AuthorizationClient, type AuthorizationOptions, type AuthorizationSubject } from './authorization-client.js';
import { certificateThumbprint, type PeerCertificate } from './certificate-thumbprint.js';
import { DpopJtiCache } from './dpop/dpop-jti-cache.js';
import { DPOP_ALGORITHMS } from './dpop/dpop-key.js';
import { DpopNonces } from './dpop/dpop-nonces.js';
import { DpopProofError } from './dpop/dpop-proof-error.js';
import { DEFAULT_DPOP_FUTURE_SKEW_SECONDS, DEFAULT_DPOP_MAX_AGE_SECONDS, DEFAULT_DPOP_MAX_LENGTH, verifyDpopProof } from './dpop/verify-dpop-proof.js';
import { AccessTokenError } from './errors.js';
import { errorResponse, type ErrorResponse } from './error-response.js';
import { IntrospectionClient, type IntrospectionOptions } from './introspection-client.js';
import { ApiKeyAcceptance, looksLikeApiKey, type ApiKeyAcceptanceOptions } from './api-key-acceptance.js';
import { LegacyKeyAcceptance, type LegacyKeyAcceptanceOptions } from './legacy-key-acceptance.js';
import { verifyIntrospected } from './introspected-token.js';
import { isAllowedUrl } from './issuer-metadata.js';
import { IssuerKeys } from './issuer-keys.js';
import { tokenFirst } from './malformed-token.js';
import { toPrincipal, type Principal } from './principal.js';
import type { PrincipalCheck } from './principal-checks.js';
import type { ProtectedResourceMetadata } from './protected-resource-metadata.js';
import { readCredentials, type RequestHeaders } from './request-credentials.js';
import type { RevocationSource } from './revocation-state.js';
import { VerificationError, type AuthScheme } from './verification-error.js';
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_TOKEN_LENGTH, verifyAccessToken, type PresentedBinding } from './verify-access-token.js';

/** Options of {@link createResourceServer}. */
export interface ResourceServerOptions {
  /** The authorization server's issuer identifier (RFC 8414), compared exactly with `iss`. */
  issuer: string;
  /** This service's resource identifier (RFC 8707, RFC 9728 `resource`): tokens' `aud` must contain it. */
  resource: string;
  /**
   * How revocations reach this service: a {@link RevocationSource} (the Shared Signals feed,
   * `createSignalsFeed`), or `'off'` to accept a revoked token until it expires — an explicit,
   * greppable opt-out. Ignored in introspection mode, where the server answers.
   */
  revocation: RevocationSource | 'off';
  /** Introspection mode (RFC 7662) instead of local JWT validation. */
  introspection?: IntrospectionOptions;
  /**
   * Accept managed API keys as `Bearer` credentials during a migration window (docs/migration.md):
   * checked offline, then introspected; the principal carries `apiKey`. Off unless given.
   */
  apiKeys?: ApiKeyAcceptanceOptions;
  /**
   * Accept the third-party keys this service took before agentauth, imported there by SHA-256,
   * during a migration window (docs/migration.md): the digest is computed here, so the key never
   * leaves the service, and asked about at the server; the principal carries `apiKey`. Off unless given.
   */
  legacyKeys?: LegacyKeyAcceptanceOptions;
  /** Fine-grained decisions from the server's AuthZEN PDP: enables {@link ResourceServer.authorize}. */
  authorization?: AuthorizationOptions;
  /** Tolerance for `exp`/`nbf`/`iat`, seconds, 0 to 300. Default 5. */
  clockSkewSeconds?: number;
  /** Longest token accepted, characters. Default 8 192. */
  maxTokenLength?: number;
  /**
   * Narrows the token algorithms; by default those the server advertises
   * (`access_token_signing_alg_values_supported`) within ES256, EdDSA and PS256.
   */
  algorithms?: readonly SigningAlg[];
  /** Key discovery and caching (see {@link IssuerKeys}). */
  keys?: { timeoutMs?: number; cooldownMs?: number; maxAgeMs?: number };
  dpop?: {
    /** Proof algorithms accepted (RFC 9449 §5.1). Default ES256, EdDSA, PS256. */
    algorithms?: readonly string[];
    /** Refuse bearer tokens altogether (RFC 9728 `dpop_bound_access_tokens_required`). */
    required?: boolean;
    /** Require a server-provided nonce in every proof (RFC 9449 §9). */
    requireNonce?: boolean;
    nonceRotationMs?: number;
    /** Proof `iat` window, seconds. Defaults 60 (past) and 30 (future). */
    maxAgeSeconds?: number;
    futureSkewSeconds?: number;
    /** Most proof `jti`s remembered for replay detection. */
    replayCacheSize?: number;
  };
  /**
   * The public origin clients address (`https://api.example.com`), used for the DPoP `htu` check
   * and the metadata URL; never taken from the request's `Host`. Default: the origin of `resource`.
   */
  publicOrigin?: string;
  /** Extra RFC 9728 metadata: `scopes_supported`, `resource_name`, `resource_documentation`, ... */
  metadata?: Partial<Omit<ProtectedResourceMetadata, 'resource' | 'authorization_servers'>>;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Hears background failures (key refresh) for the operator's log. */
  onError?: (error: unknown) => void;
}

/** What the lower-level {@link ResourceServer.verify} reads from a request. */
export interface RequestInput {
  method: string;
  /** The request target: an absolute URL, or a path with query (joined to `publicOrigin`). */
  url: string;
  headers: RequestHeaders;
  /** The TLS peer certificate of this connection, for RFC 8705 certificate-bound tokens. */
  peerCertificate?: PeerCertificate | undefined;
}

/** Options of one verification. */
export interface VerifyOptions {
  peerCertificate?: PeerCertificate | undefined;
  /** Route requirements: `requireScopes(...)`, `requireDirect()`, `maxDelegationDepth(n)`. */
  checks?: readonly PrincipalCheck[];
}

/** A resource server: verifies requests, renders refusals and publishes its RFC 9728 metadata. */
export interface ResourceServer {
  readonly issuer: string;
  readonly resource: string;
  /** Verifies a Web `Request`; resolves to the principal or rejects with {@link VerificationError}. */
  verifyRequest(request: Request, options?: VerifyOptions): Promise<Principal>;
  /** The same from method, URL, headers and peer certificate. */
  verify(input: RequestInput, options?: Pick<VerifyOptions, 'checks'>): Promise<Principal>;
  /** The RFC 6750 / RFC 9449 answer to a refusal; anything but a {@link VerificationError} is rethrown. */
  errorResponse(error: unknown): ErrorResponse;
  /** RFC 9728 §2 metadata document. */
  metadata(): ProtectedResourceMetadata;
  /** Path (and URL) where adapters serve {@link metadata} (RFC 9728 §3.1). */
  readonly metadataPath: string;
  readonly metadataUrl: string;
  /** A fresh `DPoP-Nonce` value, when nonces are required (RFC 9449 §9). */
  dpopNonce(): string | undefined;
  /**
   * Asks the authorization server's PDP (OpenID AuthZEN 1.0 §6) whether `subject` (a verified
   * principal, asked about as its agent, or any AuthZEN subject such as a user) may do `action`
   * on `resource`. Resolves to the decision, reused for equal questions within
   * `authorization.cacheTtlMs`; resolves to `false` when the PDP cannot be asked (fail closed;
   * the failure goes to `onError`). Throws TypeError without the `authorization` option.
   */
  authorize(subject: AuthorizationSubject, action: string, resource: AuthZenResource, context?: Record<string, unknown>): Promise<boolean>;
}

const DEFAULT_DPOP_ALGS = ['ES256', 'EdDSA', 'PS256'];

function checkOptions(options: ResourceServerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (!isAllowedUrl(options.issuer)) throw new TypeError('issuer must be an https URL (http only on loopback)');
  let resource: URL;
  try {
    resource = new URL(options.resource);
  } catch {
    throw new TypeError('resource must be an absolute URL (RFC 8707 §2)');
  }
  if (resource.hash !== '' || resource.search !== '') throw new TypeError('resource must have no query or fragment (RFC 9728 §1.2)');
  const revocation = options.revocation as unknown;
  if (revocation !== 'off' && (typeof revocation !== 'object' || revocation === null || typeof (revocation as RevocationSource).isRevoked !== 'function')) {
    throw new TypeError("revocation must be a RevocationSource (createSignalsFeed) or 'off'");
  }
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) throw new TypeError('algorithms must be a non-empty array');
    for (const alg of options.algorithms) if (!SIGNING_ALGS.includes(alg)) throw new TypeError(`algorithm not allowed: ${String(alg)}`);
  }
  for (const alg of options.dpop?.algorithms ?? []) {
    if (!(DPOP_ALGORITHMS as readonly string[]).includes(alg)) throw new TypeError(`DPoP algorithm not supported: ${String(alg)}`);
  }
}

/**
 * Creates the resource-server check every service runs (one validation path everywhere:
 * ARCHITECTURE.md, Packages). For each request:
 *
 * 1. the access token from `Authorization` (`Bearer`, RFC 6750 §2.1, or `DPoP`, RFC 9449 §7.1);
 * 2. with `DPoP`: the proof (RFC 9449 §4.3 via the shared `verifyDpopProof`, with `ath`, `htm`,
 *    `htu` against `publicOrigin`, the nonce when required) and its `jti` claimed once;
 * 3. the TLS peer certificate's `x5t#S256` when one is given (RFC 8705 §3);
 * 4. the token: RFC 9068 / RFC 8725 checks with keys from the server's JWKS ({@link verifyAccessToken}),
 *    or RFC 7662 introspection; then its `cnf` against 2 and 3: a DPoP-bound token sent as
 *    `Bearer` is refused, and so is a `DPoP` request whose token is not DPoP-bound;
 * 5. revocation (by `jti`, by agent) from `revocation`;
 * 6. the route's checks (scopes, delegation).
 *
 * Does NOT check: tokens sent in a form body or query (RFC 6750 §2.2, §2.3: unsupported, they count
 * as absent); DPoP proof replay across several instances (the `jti` cache is per process); that a
 * certificate passed as `peerCertificate` really came from the TLS handshake (the adapter's or your
 * job: never from a header a client can set); authorization beyond scopes and `act` (ask the PDP
 * for that: `authorize`, or an adapter's `authorize` option).
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  checkOptions(options);
  const { issuer, resource } = options;
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const keys = new IssuerKeys({ issuer, fetch: fetchImpl, now, ...options.keys, ...(options.onError ? { onError: options.onError } : {}) });
  const introspection = options.introspection === undefined ? undefined : new IntrospectionClient(options.introspection, { issuer, keys, fetch: fetchImpl, now });
  const keyAcceptance = options.apiKeys === undefined ? undefined : new ApiKeyAcceptance(options.apiKeys, { issuer, resource, keys, fetch: fetchImpl, now });
  const legacyKeys = options.legacyKeys === undefined ? undefined : new LegacyKeyAcceptance(options.legacyKeys, { issuer, resource, keys, fetch: fetchImpl, now });
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const dpopAlgorithms = [...(options.dpop?.algorithms ?? DEFAULT_DPOP_ALGS)];
  const dpopRequired = options.dpop?.required === true;
  const maxAge = options.dpop?.maxAgeSeconds ?? DEFAULT_DPOP_MAX_AGE_SECONDS;
  const futureSkew = options.dpop?.futureSkewSeconds ?? DEFAULT_DPOP_FUTURE_SKEW_SECONDS;
  const jtiCache = new DpopJtiCache(options.dpop?.replayCacheSize);
  const nonces = options.dpop?.requireNonce === true ? new DpopNonces(now, options.dpop.nonceRotationMs) : undefined;
  const publicOrigin = new URL(options.publicOrigin ?? resource).origin;
  const metadataUrl = protectedResourceMetadataUrl(resource);
  const revocation = options.revocation;
  const pdp = options.authorization === undefined ? undefined : new AuthorizationClient(options.authorization, { issuer, keys, fetch: fetchImpl, now, onError: options.onError ?? (() => undefined) });

  const challenge = { resourceMetadataUrl: metadataUrl.href, dpopAlgorithms, bearerAccepted: !dpopRequired };

  // Computed once per metadata document: this runs on every request.
  let algorithmsFor: { advertised: SigningAlg[]; allowed: SigningAlg[] } | undefined;
  async function algorithms(): Promise<SigningAlg[]> {
    const advertised = (await keys.metadata()).accessTokenAlgorithms;
    if (algorithmsFor?.advertised !== advertised) {
      algorithmsFor = { advertised, allowed: options.algorithms === undefined ? advertised : advertised.filter((alg) => options.algorithms?.includes(alg)) };
    }
    return algorithmsFor.allowed;
  }

  async function checkProof(proof: string, token: string, method: string, url: string, scheme: AuthScheme): Promise<string> {
    const nowMs = now();
    let verified;
    try {
      verified = await verifyDpopProof(proof, {
        method,
        url,
        accessToken: token,
        algorithms: dpopAlgorithms,
        now: nowMs,
        maxAgeSeconds: maxAge,
        futureSkewSeconds: futureSkew,
        maxLength: DEFAULT_DPOP_MAX_LENGTH,
        ...(nonces ? { expectedNonce: nonces.check } : {}),
      });
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      if (error.code === 'use_dpop_nonce') throw new VerificationError('ERR_DPOP_NONCE', { scheme, dpopNonce: nonces?.value() as string, cause: error });
      throw new VerificationError('ERR_DPOP_PROOF', { scheme, cause: error, ...(nonces ? { dpopNonce: nonces.value() } : {}) });
    }
    // The proof stays acceptable until its iat leaves the window: remember it that long.
    if (!jtiCache.claim(verified.jkt, verified.jti, (verified.iat + maxAge + 1) * 1000, nowMs)) throw new VerificationError('ERR_DPOP_REPLAY', { scheme });
    return verified.jkt;
  }

  /** The public URL of the request as RFC 9449 §4.3 compares it; undefined when it is no http(s) URI. */
  function requestTargetUri(raw: string): string | undefined {
    let path: string;
    try {
      path = raw.startsWith('/') ? raw : new URL(raw).pathname + new URL(raw).search;
    } catch {
      return undefined;
    }
    return normalizeTargetUri(publicOrigin + path) === undefined ? undefined : publicOrigin + path;
  }

  /** Names the binding failure precisely, from the (already signature-checked) token's `cnf`. */
  function bindingError(token: string, scheme: AuthScheme, cause: unknown): VerificationError {
    let cnf: unknown;
    try {
      cnf = decodeJwt(token).cnf;
    } catch {
      cnf = undefined;
    }
    const members = typeof cnf === 'object' && cnf !== null ? Object.keys(cnf) : [];
    if (members.length === 1 && members[0] === 'jkt' && scheme === 'Bearer') return new VerificationError('ERR_DPOP_REQUIRED', { scheme: 'DPoP', cause });
    if (members.length === 1 && members[0] === 'x5t#S256') return new VerificationError('ERR_MTLS_BINDING', { scheme, cause });
    return new VerificationError('ERR_TOKEN_BINDING', { scheme, cause, message: (cause as Error).message });
  }

  async function verify(input: RequestInput, verifyOptions: Pick<VerifyOptions, 'checks'> = {}): Promise<Principal> {
    const credentials = readCredentials(input.headers, { maxTokenLength, maxProofLength: DEFAULT_DPOP_MAX_LENGTH });
    const { scheme, token } = credentials;
    if (dpopRequired && scheme === 'Bearer') throw tokenFirst(token, scheme, new VerificationError('ERR_DPOP_REQUIRED', { scheme: 'DPoP' }));

    const presented: PresentedBinding = {};
    if (credentials.dpopProof !== undefined) {
      const url = requestTargetUri(input.url);
      // A request URL that is no RFC 3986 URI (a hostile path holding `^`, `|` or raw non-ASCII)
      // matches no proof's htu: the proof is refused, not the options (which would be a TypeError).
      if (url === undefined) throw new VerificationError('ERR_DPOP_PROOF', { scheme, ...(nonces ? { dpopNonce: nonces.value() } : {}) });
      try {
        presented.dpopJkt = await checkProof(credentials.dpopProof, token, input.method, url, scheme);
      } catch (error) {
        throw error instanceof VerificationError ? tokenFirst(token, scheme, error) : error;
      }
    }
    if (input.peerCertificate !== undefined) {
      const x5t = await certificateThumbprint(input.peerCertificate);
      if (x5t !== undefined) presented.x5tS256 = x5t;
    }

    let principal: Principal;
    try {
      if (keyAcceptance !== undefined && scheme === 'Bearer' && looksLikeApiKey(token)) {
        principal = await keyAcceptance.verify(token);
      } else if (legacyKeys !== undefined && scheme === 'Bearer' && legacyKeys.matches(token)) {
        principal = await legacyKeys.verify(token);
      } else if (introspection !== undefined) {
        const answer = await introspection.introspect(token);
        principal = verifyIntrospected(answer, { issuer, resource, nowMs: now(), skew, binding: presented });
      } else {
        const verified = await verifyAccessToken(token, { issuer, audience: resource, algorithms: await algorithms(), getKey: (header) => keys.getKey(header), clockSkewSeconds: skew, now, maxTokenLength, binding: presented });
        principal = toPrincipal(verified.claims, verified.scopes, verified.binding);
      }
    } catch (error) {
      if (error instanceof VerificationError) throw error.scheme === undefined && error.status === 401 ? new VerificationError(error.code, { scheme, cause: error.cause, message: error.message }) : error;
      if (!(error instanceof AccessTokenError)) throw error;
      if (error.code === 'ERR_TOKEN_BINDING') throw bindingError(token, scheme, error);
      throw new VerificationError(error.code, { scheme, message: error.message, cause: error });
    }
    if (scheme === 'DPoP' && principal.binding !== 'dpop') throw new VerificationError('ERR_DPOP_NOT_BOUND', { scheme });
    if (introspection === undefined && principal.apiKey === undefined && revocation !== 'off' && revocation.isRevoked(principal.claims)) throw new VerificationError('ERR_TOKEN_REVOKED', { scheme });
    for (const check of verifyOptions.checks ?? []) {
      try {
        check(principal);
      } catch (error) {
        if (error instanceof VerificationError && error.scheme === undefined) throw new VerificationError(error.code, { scheme, ...(error.requiredScopes ? { requiredScopes: error.requiredScopes } : {}) });
        throw error;
      }
    }
    return principal;
  }

  const metadataDocument: ProtectedResourceMetadata = {
    resource,
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    tls_client_certificate_bound_access_tokens: true,
    dpop_signing_alg_values_supported: dpopAlgorithms,
    dpop_bound_access_tokens_required: dpopRequired,
    ...options.metadata,
  };

  return {
    issuer,
    resource,
    verify,
    verifyRequest(request, verifyOptions = {}) {
      return verify({ method: request.method, url: request.url, headers: request.headers, peerCertificate: verifyOptions.peerCertificate }, verifyOptions);
    },
    errorResponse(error) {
      if (!(error instanceof VerificationError)) throw error;
      return errorResponse(error, challenge);
    },
    metadata: () => structuredClone(metadataDocument),
    metadataPath: metadataUrl.pathname,
    metadataUrl: metadataUrl.href,
    dpopNonce: () => nonces?.value(),
    authorize(subject, action, resource, context) {
      if (pdp === undefined) throw new TypeError('authorize needs the authorization option (this service\'s credentials)');
      return pdp.authorize(subject, action, resource, context);
    },
  };
}
