import * as oidc from 'openid-client';
import type { Clock } from '../clock.js';
import type { GuardedWebFetch } from '../net/guarded-web-fetch.js';
import type { LoginProviderRecord } from '../store/ports/login-provider-store.js';
import { openClientSecret } from './login-provider-service.js';

/**
 * ID token signature algorithms accepted, asymmetric only: `none` and HMAC (keyed by the client
 * secret, which the OP shares with us) are never trusted (ARCHITECTURE.md, Security rules).
 */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** How long an OP's discovered metadata is reused before it is fetched again. */
const METADATA_TTL_MS = 60 * 60_000;

interface Discovered {
  issuer: string;
  metadata: oidc.ServerMetadata;
  jwks: oidc.ExportedJWKSCache | undefined;
  fetchedAt: number;
}

/**
 * The `openid-client` configuration of each upstream provider. Discovery (OIDC Discovery 1.0 §4,
 * the metadata's `issuer` required to equal the configured one, §4.3) and every later request go
 * through the SSRF guard's fetch; plain http is allowed only when the issuer itself is http (on
 * loopback, which the provider's settings and the guard already enforce). The metadata and the
 * OP's JWK Set are kept for an hour, dropped when the provider changes.
 *
 * Each sign-in gets a fresh `Configuration` with the injected clock's offset as the client's
 * clock skew, so ID token time checks (OIDC Core §3.1.3.7, `exp` and `iat`) run on our clock, and
 * with non-repudiation checks on, so the ID token's signature is verified against the OP's JWK
 * Set even though it came over TLS from the token endpoint.
 */
export class UpstreamClients {
  private readonly discovered = new Map<string, Discovered>();

  constructor(private readonly deps: { clock: Clock; fetch: GuardedWebFetch; masterKey: Buffer }) {}

  /** Forgets what was discovered for `providerId`. */
  forget(providerId: string): void {
    this.discovered.delete(providerId);
  }

  /** A configuration for one sign-in with `provider`; rejects when discovery fails. */
  async configuration(provider: LoginProviderRecord): Promise<oidc.Configuration> {
    const discovered = await this.discover(provider);
    const skew = Math.trunc((this.deps.clock.now() - Date.now()) / 1000);
    const secret = openClientSecret(this.deps.masterKey, provider.id, provider.clientSecret);
    const methods = discovered.metadata.token_endpoint_auth_methods_supported;
    // client_secret_basic is the default of OIDC Core §9 and RFC 8414; post only when basic is not offered.
    const auth = methods === undefined || methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
    const config = new oidc.Configuration(discovered.metadata, provider.clientId, { [oidc.clockSkew]: skew }, auth);
    this.harden(config, provider);
    if (discovered.jwks !== undefined) oidc.setJwksCache(config, discovered.jwks);
    return config;
  }

  /** Keeps the OP's JWK Set a sign-in fetched, for the next one. */
  remember(provider: LoginProviderRecord, config: oidc.Configuration): void {
    const entry = this.discovered.get(provider.id);
    const jwks = oidc.getJwksCache(config);
    if (entry !== undefined && jwks !== undefined) entry.jwks = jwks;
  }

  private async discover(provider: LoginProviderRecord): Promise<Discovered> {
    const now = this.deps.clock.now();
    const cached = this.discovered.get(provider.id);
    if (cached !== undefined && cached.issuer === provider.issuer && now - cached.fetchedAt < METADATA_TTL_MS && now >= cached.fetchedAt) return cached;
    const insecure = new URL(provider.issuer).protocol === 'http:';
    const config = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, oidc.None(), {
      [oidc.customFetch]: this.deps.fetch,
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: 5,
    });
    const { supportsPKCE: _helper, ...metadata } = config.serverMetadata();
    // Without the list, OIDC Core §3.1.3.7 item 7 defaults to RS256; with it, only what we accept of it.
    const algorithms = (metadata.id_token_signing_alg_values_supported ?? ['RS256']).filter((alg) => ID_TOKEN_ALGORITHMS.includes(alg));
    if (algorithms.length === 0) throw new Error('the OP signs ID tokens with no algorithm we accept');
    const entry: Discovered = { issuer: provider.issuer, metadata: { ...metadata, id_token_signing_alg_values_supported: algorithms }, jwks: undefined, fetchedAt: now };
    this.discovered.set(provider.id, entry);
    return entry;
  }

  private harden(config: oidc.Configuration, provider: LoginProviderRecord): void {
    config[oidc.customFetch] = this.deps.fetch;
    config.timeout = 5;
    if (new URL(provider.issuer).protocol === 'http:') oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
  }
}
