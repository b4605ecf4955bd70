import { API_KEY_PREFIX, parseScope, TOKEN_TYPE_IMPORTED_KEY, type IntrospectionResponse } from '@agentauth/protocol';
import { AccessTokenError } from './errors.js';
import type { IssuerKeys } from './issuer-keys.js';
import { fetchJson } from './lib/fetch-json.js';
import { migrationWindowHeaders, type MigrationWindow } from './migration-window.js';
import { toPrincipal, type Principal } from './principal.js';
import { authenticateForm, checkServiceCredentials, type ServiceCredentials } from './service-credentials.js';
import { VerificationError } from './verification-error.js';
import type { VerifiedAccessTokenClaims } from './verify-access-token.js';

/** Default and greatest lifetime of a cached answer about a key, ms. */
const DEFAULT_CACHE_MS = 30_000;
const MAX_CACHE_MS = 60_000;
const MAX_CACHE_ENTRIES = 10_000;

/**
 * Accepting the third-party keys a service took before agentauth, imported by their SHA-256
 * (docs/migration.md, "Keys you already have"), during a migration window: an explicit opt-in.
 */
export interface LegacyKeyAcceptanceOptions extends MigrationWindow {
  /** This service's client credentials; it needs `agentauth:introspect`. */
  credentials: ServiceCredentials;
  /**
   * Which `Bearer` credentials are legacy keys. Default: any that is neither a JWT (three
   * dot-separated parts) nor a managed key (`aak_`). Narrow it to your keys' own prefix if they have one.
   */
  matches?: (token: string) => boolean;
  /** Longest time an answer is reused, ms, 0 to 60 000. Default 30 000. */
  cacheMs?: number;
  /** Per-request timeout, ms. Default 5 000. */
  timeoutMs?: number;
}

/** The default {@link LegacyKeyAcceptanceOptions.matches}. */
function notATokenWeIssue(token: string): boolean {
  return token.split('.').length !== 3 && !token.startsWith(API_KEY_PREFIX);
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Lowercase hex SHA-256 of the key's UTF-8 text, as `sha256sum` prints it. */
async function keyDigest(key: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The check of a legacy key presented as `Bearer`: its SHA-256 is computed here, so the key never
 * leaves the service, and asked about at the server's `key_digest_introspection_endpoint` with
 * this resource; the answer, cached for at most `cacheMs` by digest, must be an active imported
 * key (`token_type` the imported key's URI, never an access token's) of our issuer, for this
 * resource, unexpired. The principal carries `apiKey` (`kind: 'imported'`) with the `Deprecation`
 * (RFC 9745) and `Sunset` (RFC 8594) headers. An unreachable server fails closed
 * (`ERR_ISSUER_UNAVAILABLE`). Does NOT check the key's shape: a legacy key has none we know.
 */
export class LegacyKeyAcceptance {
  private readonly headers: Readonly<Record<string, string>>;
  private readonly cache = new Map<string, { answer: IntrospectionResponse; until: number }>();
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  readonly matches: (token: string) => boolean;

  constructor(
    private readonly options: LegacyKeyAcceptanceOptions,
    private readonly context: { issuer: string; resource: string; keys: IssuerKeys; fetch: typeof fetch; now: () => number },
  ) {
    checkServiceCredentials(options.credentials, 'legacyKeys.credentials');
    this.headers = migrationWindowHeaders(options, 'legacyKeys');
    const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    if (!Number.isFinite(cacheMs) || cacheMs < 0 || cacheMs > MAX_CACHE_MS) throw new TypeError(`legacyKeys.cacheMs must be from 0 to ${MAX_CACHE_MS}`);
    if (options.matches !== undefined && typeof options.matches !== 'function') throw new TypeError('legacyKeys.matches must be a function');
    this.cacheMs = cacheMs;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.matches = options.matches ?? notATokenWeIssue;
  }

  /** Verifies a legacy key. Throws `VerificationError` or `AccessTokenError` as token checks do. */
  async verify(key: string): Promise<Principal> {
    const digest = await keyDigest(key);
    const answer = await this.ask(digest);
    if (answer.active !== true || answer.token_type !== TOKEN_TYPE_IMPORTED_KEY) throw new VerificationError('ERR_TOKEN_INACTIVE');
    if (answer.iss !== this.context.issuer) throw new AccessTokenError('ERR_TOKEN_ISSUER');
    const audiences = Array.isArray(answer.aud) ? answer.aud : [];
    if (!audiences.includes(this.context.resource)) throw new AccessTokenError('ERR_TOKEN_AUDIENCE');
    if (typeof answer.exp !== 'number' || answer.exp * 1000 <= this.context.now()) throw new AccessTokenError('ERR_TOKEN_EXPIRED');
    if (!isNonEmptyString(answer.sub) || !isNonEmptyString(answer.client_id) || !isNonEmptyString(answer['key_id']) || typeof answer.iat !== 'number') throw new AccessTokenError('ERR_TOKEN_CLAIMS');
    const scopes = answer.scope === undefined ? [] : typeof answer.scope === 'string' ? parseScope(answer.scope) : undefined;
    if (scopes === undefined) throw new AccessTokenError('ERR_TOKEN_CLAIMS');
    const claims = { iss: answer.iss, sub: answer.sub, client_id: answer.client_id, aud: audiences, exp: answer.exp, iat: answer.iat, jti: answer['key_id'], ...(answer.scope === undefined ? {} : { scope: answer.scope }) };
    return { ...toPrincipal(claims as unknown as VerifiedAccessTokenClaims, scopes, 'bearer'), apiKey: { id: answer['key_id'], kind: 'imported', headers: this.headers } };
  }

  /** The server's answer about `digest`, from the cache while it is fresh (RFC 7662 §4: kept short). */
  private async ask(digest: string): Promise<IntrospectionResponse> {
    const now = this.context.now();
    const cached = this.cacheMs > 0 ? this.cache.get(digest) : undefined;
    if (cached !== undefined && cached.until > now) return cached.answer;
    let answer: IntrospectionResponse;
    try {
      const endpoint = (await this.context.keys.metadata()).key_digest_introspection_endpoint;
      if (endpoint === undefined) throw new Error('the server advertises no key_digest_introspection_endpoint');
      const form = new URLSearchParams({ key_digest: digest, resource: this.context.resource });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      await authenticateForm(this.options.credentials, form, headers, { issuer: this.context.issuer, nowMs: now });
      const { body } = await fetchJson(endpoint, { fetch: this.context.fetch, timeoutMs: this.timeoutMs, method: 'POST', headers, body: form.toString() });
      if (typeof body.active !== 'boolean') throw new Error('key digest answer has no boolean "active"');
      answer = body as IntrospectionResponse;
    } catch (error) {
      throw new VerificationError('ERR_ISSUER_UNAVAILABLE', { cause: error });
    }
    if (this.cacheMs > 0) {
      const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : now;
      const until = answer.active ? Math.min(exp, now + this.cacheMs) : now + this.cacheMs;
      if (this.cache.size >= MAX_CACHE_ENTRIES) for (const [k, entry] of this.cache) if (entry.until <= now) this.cache.delete(k);
      // Still full of live answers: drop the oldest; it will simply be asked again.
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(digest, { answer, until });
    }
    return answer;
  }
}
