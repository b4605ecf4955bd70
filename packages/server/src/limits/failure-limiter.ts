import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { addressKey } from './address-key.js';
import type { FailureCounter } from './failure-counter.js';
import { DEFAULT_MAX_KEYS, FailureWindows, type WindowCount } from './failure-windows.js';

/** What a limit counts; `details.limit` of its `rate_limit.exceeded` record (docs/events.md). */
export type LimitName = 'client_address' | 'client_id' | 'admin_address' | 'login_address';

/** Failures allowed per window under one key of a limit. */
export interface Limit {
  readonly name: LimitName;
  readonly failures: number;
}

export interface FailureLimiterOptions {
  /** Failures allowed per window from one source address (an IPv6 /64 counting as one). */
  address: Limit;
  /** Failures allowed per window naming one client id; absent where requests name none (admin). */
  client?: Limit;
  windowSeconds: number;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Counts shared with other nodes (Redis); without it, or while it fails, this process counts alone. */
  shared?: FailureCounter;
  /** Keys held in memory at most, per limit (default 50,000). */
  maxKeys?: number;
}

/** A failed authentication, as it is counted. */
export interface FailedAttempt {
  /** The source address (`X-Forwarded-For` only from trusted proxies); null when unknown. */
  address: string | null;
  /** The client id the request named, if any; it need not name a client. */
  clientId?: string | undefined;
  /** Written into the `rate_limit.exceeded` record if this failure reaches a limit. */
  requestId: string | null;
}

/** Longest client id counted as itself; longer ones (never ours) are cut to it. */
const MAX_CLIENT_KEY = 64;

const WHAT: Readonly<Record<LimitName, string>> = {
  client_address: 'failed client authentications from one address',
  client_id: 'failed client authentications naming one client id',
  admin_address: 'failed admin authentications from one address',
  login_address: 'failed sign-ins of people from one address',
};

/**
 * Limits on failed authentications (docs/oauth.md, "Failed authentication limits"): a brute-force
 * and credential-stuffing brake that a legitimate client's successes never touch. Fixed windows,
 * per source address and per client id:
 *
 * - an address past its limit is refused before any credential is checked ({@link refuseAddress});
 * - a client id past its limit is refused only to addresses that have failed themselves in their
 *   window ({@link refuseClient}), so an attacker elsewhere cannot lock a working agent out, while
 *   each of its own addresses gets at most one more try per window;
 * - the failure that brings a key to its limit writes the one `rate_limit.exceeded` audit record
 *   of that key's window; later failures over the limit are answered 429 instead of their error.
 *
 * The checks before and after a credential read this process's memory only, and nothing at all
 * while no failure is held: the hot path pays a property read. Failures are counted in `shared`
 * (Redis) when there is one, and the answer is kept in memory, so a node learns of a block at its
 * next failure for that key; when `shared` fails, the failure is counted in memory instead.
 *
 * Does NOT decide what a failure is: callers report failed authentications, and only those.
 */
export class FailureLimiter {
  private readonly addresses: FailureWindows;
  private readonly clients: FailureWindows | undefined;
  private readonly windowMs: number;
  private sharedDown = false;

  constructor(private readonly options: FailureLimiterOptions) {
    for (const limit of [options.address, options.client]) {
      if (limit !== undefined && (!Number.isInteger(limit.failures) || limit.failures < 1)) throw new TypeError(`${limit.name}: failures must be a positive integer`);
    }
    this.windowMs = options.windowSeconds * 1000;
    this.addresses = new FailureWindows(this.windowMs, options.maxKeys ?? DEFAULT_MAX_KEYS);
    this.clients = options.client === undefined ? undefined : new FailureWindows(this.windowMs, options.maxKeys ?? DEFAULT_MAX_KEYS);
  }

  /** Before a credential is checked: the seconds to wait when `address` is past its limit, else undefined. */
  refuseAddress(address: string | null): number | undefined {
    if (address === null || this.addresses.empty) return undefined;
    const now = this.options.clock.now();
    return waitFor(this.addresses.get(addressKey(address), now), this.options.address.failures, now);
  }

  /**
   * After a client authenticated: the seconds to wait when its client id is past its limit and
   * `address` has failed in its own window, else undefined. A success never counts.
   */
  refuseClient(clientId: string, address: string | null): number | undefined {
    const limit = this.options.client;
    if (limit === undefined || this.clients === undefined || this.clients.empty) return undefined;
    const now = this.options.clock.now();
    const wait = waitFor(this.clients.get(clientId.slice(0, MAX_CLIENT_KEY), now), limit.failures, now);
    if (wait === undefined) return undefined;
    // An unknown address cannot show it is clean: it gets no benefit of the doubt.
    const failedHere = address === null || (this.addresses.get(addressKey(address), now)?.count ?? 0) > 0;
    return failedHere ? wait : undefined;
  }

  /**
   * Counts a failed authentication under its address and client id. Resolves the seconds to wait
   * when a count is now past its limit (the caller answers 429 instead of the failure), else
   * undefined. The failure that brings a key exactly to its limit writes the key's one
   * `rate_limit.exceeded` record of the window.
   */
  async recordFailure(attempt: FailedAttempt): Promise<number | undefined> {
    const counted: { limit: Limit; key: string; windows: FailureWindows }[] = [];
    if (attempt.address !== null) counted.push({ limit: this.options.address, key: addressKey(attempt.address), windows: this.addresses });
    if (this.options.client !== undefined && this.clients !== undefined && attempt.clientId !== undefined && attempt.clientId !== '') {
      counted.push({ limit: this.options.client, key: attempt.clientId.slice(0, MAX_CLIENT_KEY), windows: this.clients });
    }
    if (counted.length === 0) return undefined;
    const now = this.options.clock.now();
    const windows = await this.count(counted, now);
    let wait: number | undefined;
    for (const [i, { limit, key }] of counted.entries()) {
      const window = windows[i] as WindowCount;
      if (window.count === limit.failures) await this.recordExceeded(limit, key, window, attempt, now);
      if (window.count > limit.failures) wait = Math.max(wait ?? 0, secondsUntil(window.resetAt, now));
    }
    return wait;
  }

  private async count(counted: readonly { limit: Limit; key: string; windows: FailureWindows }[], now: number): Promise<WindowCount[]> {
    const { shared } = this.options;
    if (shared !== undefined) {
      try {
        const windows = await shared.increment(
          counted.map(({ limit, key }) => `${limit.name}:${key}`),
          now,
        );
        for (const [i, { key, windows: local }] of counted.entries()) local.observe(key, windows[i] as WindowCount, now);
        if (this.sharedDown) this.options.logger.info('failed-authentication limits: counting in redis again');
        this.sharedDown = false;
        return windows;
      } catch (error) {
        if (!this.sharedDown) this.options.logger.warn({ err_message: (error as Error).message }, 'failed-authentication limits: redis unreachable, counting in memory');
        this.sharedDown = true;
      }
    }
    return counted.map(({ key, windows }) => windows.increment(key, now));
  }

  private async recordExceeded(limit: Limit, key: string, window: WindowCount, attempt: FailedAttempt, now: number): Promise<void> {
    const isClient = limit.name === 'client_id';
    await this.options.audit.record({
      time: now,
      event: 'rate_limit.exceeded',
      outcome: 'failure',
      agentId: isClient ? key : null,
      actor: 'system',
      sourceIp: attempt.address,
      reason: `${limit.failures} ${WHAT[limit.name]} within ${this.options.windowSeconds} s`,
      requestId: attempt.requestId,
      details: {
        limit: limit.name,
        // A client id is in agent_id; an address key is an address or an IPv6 /64.
        ...(isClient ? {} : { address: key }),
        failures: limit.failures,
        window: this.options.windowSeconds,
        retry_after: secondsUntil(window.resetAt, now),
      },
    });
  }
}

function waitFor(window: WindowCount | undefined, failures: number, now: number): number | undefined {
  return window !== undefined && window.count >= failures ? secondsUntil(window.resetAt, now) : undefined;
}

/** RFC 9110 §10.2.3 `Retry-After` delay-seconds: whole seconds, at least 1. */
function secondsUntil(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}
