import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { FetchError } from './fetch-error.js';
import type { GuardedFetch } from './guarded-fetch.js';

/** One usable public key of a JWK Set (RFC 7517 §5). */
export interface JwksKey {
  kid: string | undefined;
  /** The JWK's `alg`, when it pins one (RFC 7517 §4.4). */
  alg: string | undefined;
  key: KeyObject;
}

/** Options of {@link RemoteJwks}. */
export interface RemoteJwksOptions {
  fetch: GuardedFetch;
  clock: Clock;
  /** Lower bound on how long a fetched set is reused, ms (default 60 s): a `max-age=0` cannot make us fetch per request. */
  minTtlMs?: number;
  /** Upper bound, ms (default 24 h): rotated-out keys do not stay trusted forever. */
  maxTtlMs?: number;
  /** Used when the server sends no `max-age`, ms (default 10 min). */
  defaultTtlMs?: number;
  /** At most one fetch of a URL per this interval for an unknown `kid` or after a failure, ms (default 30 s). */
  refetchCooldownMs?: number;
  /** A set older than this is not served when a refresh fails, ms (default 1 h). */
  maxStaleMs?: number;
  /** URLs remembered at once (default 10 000); the oldest is forgotten first. */
  maxEntries?: number;
}

/** RFC 7517 §5.1 media types a JWK Set may come with; `application/json` is what most servers send. */
export const JWKS_MEDIA_TYPES = ['application/json', 'application/jwk-set+json'] as const;

const MAX_KEYS = 100;
/** Members that make a JWK private or symmetric (RFC 7518 §6.2.2, §6.3.2, §6.4): never a verification key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

interface Entry {
  keys: JwksKey[] | undefined;
  expiresAt: number;
  /** After this instant the set is not served even when a refresh fails. */
  staleUntil: number;
  /** Last attempt (success or failure), for the cooldown. */
  attemptedAt: number;
  lastError: FetchError | undefined;
  inFlight: Promise<void> | undefined;
}

/**
 * Remote JWK Sets (RFC 7517 §5) fetched through the SSRF-guarded client and cached: reused for the
 * server's `max-age` within [min, max] bounds; a `kid` not in the cached set triggers at most one
 * refetch per cooldown (key rotation is seen quickly, a flood of random `kid`s costs one fetch per
 * 30 s); concurrent callers share one fetch; a failed refresh serves the previous set while it is
 * younger than `maxStaleMs`.
 *
 * Does NOT check algorithms against keys: the verifier does (RFC 8725 §3.1).
 */
export class RemoteJwks {
  private readonly entries = new Map<string, Entry>();
  private readonly minTtl: number;
  private readonly maxTtl: number;
  private readonly defaultTtl: number;
  private readonly cooldown: number;
  private readonly maxStale: number;
  private readonly maxEntries: number;

  constructor(private readonly options: RemoteJwksOptions) {
    this.minTtl = options.minTtlMs ?? 60_000;
    this.maxTtl = options.maxTtlMs ?? 86_400_000;
    this.defaultTtl = options.defaultTtlMs ?? 600_000;
    this.cooldown = options.refetchCooldownMs ?? 30_000;
    this.maxStale = options.maxStaleMs ?? 3_600_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /**
   * The keys of the set at `url` that could have signed a JWS with this `kid` (every key when
   * `kid` is undefined). Rejects with `FetchError` when no set can be had.
   */
  async keys(url: string, kid: string | undefined): Promise<JwksKey[]> {
    const now = this.options.clock.now();
    let entry = this.entries.get(url);
    if (entry === undefined || entry.keys === undefined || now >= entry.expiresAt) {
      entry = await this.refresh(url, entry, now, entry?.keys === undefined);
    } else if (kid !== undefined && !entry.keys.some((k) => k.kid === kid) && now - entry.attemptedAt >= this.cooldown) {
      // RFC 7517 §4.5: an unknown kid may be a freshly rotated key; look once, then wait out the cooldown.
      entry = await this.refresh(url, entry, now, false);
    }
    if (entry.keys === undefined || now > entry.staleUntil) {
      throw entry.lastError ?? new FetchError('network', 'JWKS unavailable');
    }
    return kid === undefined ? entry.keys : entry.keys.filter((k) => k.kid === kid);
  }

  /** Forgets a URL (its owner was changed or removed). */
  forget(url: string): void {
    this.entries.delete(url);
  }

  private async refresh(url: string, previous: Entry | undefined, now: number, mustTry: boolean): Promise<Entry> {
    let entry = previous;
    if (entry === undefined) {
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      entry = { keys: undefined, expiresAt: 0, staleUntil: 0, attemptedAt: Number.NEGATIVE_INFINITY, lastError: undefined, inFlight: undefined };
      this.entries.set(url, entry);
    }
    if (entry.inFlight !== undefined) {
      await entry.inFlight;
      return entry;
    }
    // After a failure, wait out the cooldown before hammering the server again.
    if (!mustTry && now - entry.attemptedAt < this.cooldown) return entry;
    if (mustTry && entry.lastError !== undefined && now - entry.attemptedAt < this.cooldown) return entry;
    const target = entry;
    target.attemptedAt = now;
    target.inFlight = this.options
      .fetch(url, JWKS_MEDIA_TYPES)
      .then(({ body, maxAgeSeconds }) => {
        target.keys = parseJwks(body);
        const ttl = maxAgeSeconds === undefined ? this.defaultTtl : Math.min(this.maxTtl, Math.max(this.minTtl, maxAgeSeconds * 1000));
        target.expiresAt = now + ttl;
        target.staleUntil = target.expiresAt + this.maxStale;
        target.lastError = undefined;
      })
      .catch((error: unknown) => {
        target.lastError = error instanceof FetchError ? error : new FetchError('network', 'JWKS fetch failed');
        // Keep serving the previous set (if any) while it is not too stale; retry after the cooldown.
        if (target.keys !== undefined) target.expiresAt = now + this.cooldown;
      })
      .finally(() => {
        target.inFlight = undefined;
      });
    await target.inFlight;
    return target;
  }
}

/**
 * Parses an RFC 7517 §5 JWK Set into public verification keys. Keys with private or symmetric
 * members, `use` other than `sig`, or that do not import are skipped; a document that is not a JWK
 * Set, or holds too many keys, is refused.
 */
export function parseJwks(body: unknown): JwksKey[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new FetchError('malformed', 'not a JWK Set');
  }
  const raw = (body as { keys: unknown[] }).keys;
  if (raw.length > MAX_KEYS) throw new FetchError('malformed', `JWK Set holds more than ${MAX_KEYS} keys`);
  const keys: JwksKey[] = [];
  for (const jwk of raw) {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) continue;
    const member = jwk as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((name) => name in member)) continue;
    if (member.use !== undefined && member.use !== 'sig') continue;
    if (member.kid !== undefined && typeof member.kid !== 'string') continue;
    if (member.alg !== undefined && typeof member.alg !== 'string') continue;
    try {
      const { kty, crv, x, y, n, e } = member;
      const key = createPublicKey({ key: { kty, crv, x, y, n, e } as JsonWebKey, format: 'jwk' });
      keys.push({ kid: member.kid as string | undefined, alg: member.alg as string | undefined, key });
    } catch {
      // An unusable key is skipped; the others still serve.
    }
  }
  return keys;
}
