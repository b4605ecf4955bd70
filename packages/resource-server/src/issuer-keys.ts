import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { importJWK, type JWK } from 'jose';
import { fetchIssuerMetadata, type IssuerMetadata } from './issuer-metadata.js';
import { fetchJson } from './lib/fetch-json.js';
import { VerificationError } from './verification-error.js';

/** Options of {@link IssuerKeys}. */
export interface IssuerKeysOptions {
  issuer: string;
  fetch?: typeof fetch;
  /** Per-request timeout, ms. Default 5 000. */
  timeoutMs?: number;
  /** Least time between two refreshes caused by an unknown `kid`, ms. Default 30 000. */
  cooldownMs?: number;
  /** Age after which the key set is refreshed in the background, ms. Default 600 000. */
  maxAgeMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Called when a refresh fails while cached keys keep serving (for the operator's log). */
  onError?: (error: unknown) => void;
}

interface CachedKey {
  jwk: JWK;
  imported: Map<SigningAlg, CryptoKey>;
}

/** While nothing is cached, least time between two attempts after a failure, ms. */
const FIRST_FETCH_RETRY_MS = 1_000;

/** Largest number of keys kept from one JWKS: more is not a key set, it is an attack. */
const MAX_KEYS = 100;

/**
 * The issuer's verification keys (RFC 7517 JWK Set), discovered through RFC 8414 metadata
 * (`jwks_uri`) and cached. An unknown `kid` triggers at most one refresh per cooldown, so a flood
 * of made-up `kid`s cannot turn into a flood of requests to the server. Refreshes have a timeout,
 * and when the server cannot be reached the cached keys keep working (ARCHITECTURE.md, The request
 * that matters: validation never needs the server on the request path). Concurrent refreshes share
 * one request.
 *
 * Keys with `use` other than `sig`, with private members, or whose `alg` is outside the
 * allow-list are ignored; a key is used only with the algorithm it declares (RFC 8725 §3.1).
 */
export class IssuerKeys {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private keys = new Map<string, CachedKey>();
  private metadataValue: IssuerMetadata | undefined;
  private fetchedAt: number | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: IssuerKeysOptions) {
    if (typeof options.issuer !== 'string' || options.issuer === '') throw new TypeError('issuer must be a non-empty string');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = positive(options.timeoutMs, 5_000, 'timeoutMs');
    this.cooldownMs = positive(options.cooldownMs, 30_000, 'cooldownMs');
    this.maxAgeMs = positive(options.maxAgeMs, 600_000, 'maxAgeMs');
    this.now = options.now ?? Date.now;
  }

  /** The metadata, fetching it (and the keys) on first use. */
  async metadata(): Promise<IssuerMetadata> {
    if (this.metadataValue === undefined) {
      if (this.now() - this.lastAttemptAt < FIRST_FETCH_RETRY_MS && this.inflight === undefined) throw new VerificationError('ERR_ISSUER_UNAVAILABLE');
      await this.refresh();
    }
    if (this.metadataValue === undefined) throw new VerificationError('ERR_ISSUER_UNAVAILABLE');
    return this.metadataValue;
  }

  /**
   * The key for a token header, or undefined for an unknown `kid` or a key that does not declare
   * that `alg`. Throws `ERR_ISSUER_UNAVAILABLE` only when nothing was ever fetched.
   */
  async getKey(header: { kid?: string; alg: string }): Promise<CryptoKey | undefined> {
    if (this.fetchedAt === undefined) {
      // Nothing cached and the server just failed: do not turn every request into a request to it.
      if (this.now() - this.lastAttemptAt < FIRST_FETCH_RETRY_MS && this.inflight === undefined) throw new VerificationError('ERR_ISSUER_UNAVAILABLE');
      await this.refresh();
      if (this.fetchedAt === undefined) throw new VerificationError('ERR_ISSUER_UNAVAILABLE');
    } else if (this.now() - this.fetchedAt > this.maxAgeMs) {
      void this.refresh();
    }
    if (header.kid === undefined) return undefined;
    let cached = this.keys.get(header.kid);
    if (cached === undefined && this.now() - this.lastAttemptAt >= this.cooldownMs) {
      await this.refresh();
      cached = this.keys.get(header.kid);
    }
    if (cached === undefined) return undefined;
    return this.importFor(cached, header.alg);
  }

  /**
   * Refreshes now (single-flight). Never throws: a failure is reported to `onError` and the cached
   * keys (if any) keep serving; callers see the effect as an unknown `kid` or no keys at all.
   */
  async refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    try {
      await this.inflight;
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private async load(): Promise<void> {
    this.lastAttemptAt = this.now();
    const init = { fetch: this.fetch, timeoutMs: this.timeoutMs };
    // Metadata is re-read with the keys: a server that changes its algorithm says so there.
    const metadata = await fetchIssuerMetadata(this.options.issuer, init);
    const { body } = await fetchJson(metadata.jwks_uri, init);
    if (!Array.isArray(body.keys)) throw new Error('JWKS has no "keys" array (RFC 7517 §5)');
    const next = new Map<string, CachedKey>();
    for (const jwk of (body.keys as unknown[]).slice(0, MAX_KEYS)) {
      if (!isUsablePublicJwk(jwk)) continue;
      const previous = this.keys.get(jwk.kid);
      next.set(jwk.kid, previous !== undefined && sameJwk(previous.jwk, jwk) ? previous : { jwk, imported: new Map() });
    }
    this.metadataValue = metadata;
    this.keys = next;
    this.fetchedAt = this.now();
  }

  private async importFor(cached: CachedKey, alg: string): Promise<CryptoKey | undefined> {
    if (!(SIGNING_ALGS as readonly string[]).includes(alg)) return undefined;
    if (cached.jwk.alg !== undefined && cached.jwk.alg !== alg) return undefined;
    const signingAlg = alg as SigningAlg;
    let key = cached.imported.get(signingAlg);
    if (key === undefined) {
      try {
        const imported = await importJWK(cached.jwk, signingAlg);
        // Symmetric keys are filtered out on load (`k` is a private member); never verify with one.
        if (imported instanceof Uint8Array) return undefined;
        key = imported;
      } catch {
        // A key that does not fit the alg the token names: as if unknown, the token's fault.
        return undefined;
      }
      cached.imported.set(signingAlg, key);
    }
    return key;
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function isUsablePublicJwk(value: unknown): value is JWK & { kid: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const jwk = value as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || jwk.kid === '' || typeof jwk.kty !== 'string') return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && !(SIGNING_ALGS as readonly unknown[]).includes(jwk.alg)) return false;
  return !PRIVATE_MEMBERS.some((name) => name in jwk);
}

function sameJwk(a: JWK, b: JWK): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number`);
  return value;
}
