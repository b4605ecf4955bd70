import type { IntrospectionResponse } from '@agentauth/protocol';
import type { IssuerKeys } from './issuer-keys.js';
import { fetchJson } from './lib/fetch-json.js';
import { authenticateForm, type ServiceCredentials } from './service-credentials.js';
import { VerificationError } from './verification-error.js';

/** Default and greatest lifetime of a cached introspection answer, ms. */
export const DEFAULT_INTROSPECTION_CACHE_MS = 30_000;
const MAX_INTROSPECTION_CACHE_MS = 60_000;
const MAX_CACHE_ENTRIES = 10_000;

/** Options of introspection mode. */
export interface IntrospectionOptions {
  /** This service's own client credentials; the client needs `agentauth:introspect` to ask about other clients' tokens. */
  credentials: ServiceCredentials;
  /** Longest time an answer is reused, ms, 0 to 60 000 (0: never cached). Default 30 000. */
  cacheMs?: number;
  /** Per-request timeout, ms. Default 5 000. */
  timeoutMs?: number;
  /**
   * The RFC 8707 identifier of this service, sent as `resource` with each question: for managed
   * keys, whose cut-over may depend on where they are used (docs/migration.md, "Cutting keys off").
   */
  resource?: string;
}

/**
 * An RFC 7662 §2 introspection client with a small cache. An active answer is reused until
 * min(`exp`, now + `cacheMs`), so a revoked token stops working within `cacheMs` at most (RFC
 * 7662 §4: the cache lifetime is a trade-off, kept well below the token lifetime); an inactive
 * answer for `cacheMs` too (a token does not come back to life). Cache keys are SHA-256 digests,
 * never tokens. An unreachable endpoint fails closed (`ERR_ISSUER_UNAVAILABLE`).
 */
export class IntrospectionClient {
  private readonly cache = new Map<string, { response: IntrospectionResponse; until: number }>();
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly options: IntrospectionOptions,
    private readonly context: { issuer: string; keys: IssuerKeys; fetch: typeof fetch; now: () => number },
  ) {
    const cacheMs = options.cacheMs ?? DEFAULT_INTROSPECTION_CACHE_MS;
    if (!Number.isFinite(cacheMs) || cacheMs < 0 || cacheMs > MAX_INTROSPECTION_CACHE_MS) throw new TypeError(`introspection.cacheMs must be from 0 to ${MAX_INTROSPECTION_CACHE_MS}`);
    this.cacheMs = cacheMs;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async introspect(token: string): Promise<IntrospectionResponse> {
    const now = this.context.now();
    const key = this.cacheMs > 0 ? await digest(token) : '';
    const cached = this.cacheMs > 0 ? this.cache.get(key) : undefined;
    if (cached !== undefined && cached.until > now) return cached.response;

    let response: IntrospectionResponse;
    try {
      const metadata = await this.context.keys.metadata();
      if (metadata.introspection_endpoint === undefined) throw new Error('the server advertises no introspection_endpoint');
      const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
      if (this.options.resource !== undefined) form.set('resource', this.options.resource);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      await authenticateForm(this.options.credentials, form, headers, { issuer: this.context.issuer, nowMs: now });
      const { body } = await fetchJson(metadata.introspection_endpoint, { fetch: this.context.fetch, timeoutMs: this.timeoutMs, method: 'POST', headers, body: form.toString() });
      if (typeof body.active !== 'boolean') throw new Error('introspection response has no boolean "active" (RFC 7662 §2.2)');
      response = body as IntrospectionResponse;
    } catch (error) {
      if (error instanceof VerificationError) throw error;
      throw new VerificationError('ERR_ISSUER_UNAVAILABLE', { cause: error });
    }

    if (this.cacheMs > 0) {
      const exp = typeof response.exp === 'number' ? response.exp * 1000 : now;
      const until = response.active ? Math.min(exp, now + this.cacheMs) : now + this.cacheMs;
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.evict(now);
      if (this.cache.size < MAX_CACHE_ENTRIES) this.cache.set(key, { response, until });
    }
    return response;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.cache) if (entry.until <= now) this.cache.delete(key);
    // Still full of live answers: drop the oldest; it will simply be asked again.
    const oldest = this.cache.keys().next();
    if (this.cache.size >= MAX_CACHE_ENTRIES && !oldest.done) this.cache.delete(oldest.value);
  }
}

async function digest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
