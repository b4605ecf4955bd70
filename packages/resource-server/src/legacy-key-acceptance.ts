import { API_KEY_PREFIX, TOKEN_TYPE_IMPORTED_KEY, type IntrospectionResponse } from '@agentauth/protocol';
import type { IssuerKeys } from './issuer-keys.js';
import { fetchJson } from './lib/fetch-json.js';
import { migrationWindowHeaders, type MigrationWindow } from './migration-window.js';
import { keyPrincipal } from './key-principal.js';
import type { Principal } from './principal.js';
import { authenticateForm, checkServiceCredentials, type ServiceCredentials } from './service-credentials.js';
import { VerificationError } from './verification-error.js';

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
    return keyPrincipal(answer, { tokenType: TOKEN_TYPE_IMPORTED_KEY, kind: 'imported', issuer: this.context.issuer, resource: this.context.resource, now: this.context.now(), headers: this.headers });
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
