import type { AuthorizationDetail } from '@agentauth/protocol';
/** A cached access token and when to replace it. */
export interface CachedToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  scope: string | undefined;
  /** RFC 9396 details the token carries (tokens of approvals). */
  authorizationDetails?: AuthorizationDetail[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** From here on, a caller still gets this token but a refresh starts in the background. */
  refreshAt: number;
}

/** A token with less than this left is not handed out: it could expire on the wire. */
export const MIN_REMAINING_MS = 5_000;

/**
 * When to refresh a token of `lifetimeMs` issued at `now`: a fifth of its life before expiry
 * (between 5 s and 60 s), plus up to a tenth of its life of random jitter, so a fleet of agents
 * started together does not come back to the server together.
 */
export function refreshTime(now: number, lifetimeMs: number, random: () => number): number {
  const lead = Math.min(60_000, Math.max(MIN_REMAINING_MS, lifetimeMs / 5));
  const jitter = random() * (lifetimeMs / 10);
  return Math.max(now, now + lifetimeMs - lead - jitter);
}

/**
 * Access tokens per key (resource and scope), with one request in flight per key: concurrent
 * callers share it (single flight). A token past its refresh time is still returned while a
 * refresh runs in the background; one that is about to expire makes callers wait for the new one.
 */
export class TokenCache {
  readonly #tokens = new Map<string, CachedToken>();
  readonly #inFlight = new Map<string, Promise<CachedToken>>();
  /** Bumped by clear(): a request started before it answers its callers but is not kept. */
  #generation = 0;

  constructor(
    private readonly now: () => number,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** The token for `key`, fetched by `load` when there is none usable. */
  async get(key: string, load: () => Promise<CachedToken>): Promise<CachedToken> {
    const now = this.now();
    const cached = this.#tokens.get(key);
    if (cached !== undefined && now < cached.expiresAt - MIN_REMAINING_MS) {
      if (now >= cached.refreshAt) this.refresh(key, load).catch(this.onBackgroundError);
      return cached;
    }
    return this.refresh(key, load);
  }

  /** Fetches a new token for `key`, joining a request already in flight. */
  refresh(key: string, load: () => Promise<CachedToken>): Promise<CachedToken> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const generation = this.#generation;
    const promise: Promise<CachedToken> = load()
      .then((token) => {
        if (generation === this.#generation) this.#tokens.set(key, token);
        return token;
      })
      .finally(() => {
        if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key);
      });
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** Forgets the token for `key` (a resource server refused it), unless a newer one replaced it. */
  drop(key: string, accessToken: string): void {
    if (this.#tokens.get(key)?.accessToken === accessToken) this.#tokens.delete(key);
  }

  /**
   * Forgets every token, and every request in flight: a token that arrives after this (bound to a
   * certificate just replaced, say) reaches the callers already waiting for it but is not cached.
   */
  clear(): void {
    this.#generation++;
    this.#tokens.clear();
    this.#inFlight.clear();
  }

  /** Requests in flight, for waiting until none signed with an old key remains. */
  pending(): Promise<unknown>[] {
    return [...this.#inFlight.values()];
  }
}
