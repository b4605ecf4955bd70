import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { FailureLimiter } from './failure-limiter.js';
import { redisFailureCounter, type RedisFailureCounter } from './redis-failure-counter.js';

/** The limiters of a server: client authentication at the OAuth endpoints, admin credentials, people's sign-ins. */
export interface AuthenticationLimits {
  /** `/token`, `/introspect`, `/revoke` (both listeners), self-service keys, RFC 7592 registration access tokens. */
  readonly clients: FailureLimiter;
  /** Admin API bearer tokens and RFC 7591 initial access tokens (both admin credentials). */
  readonly admins: FailureLimiter;
  /** People's sign-ins at `/login`: passwords and second factors. */
  readonly logins: FailureLimiter;
  /** Resolves once the shared counter is live (at once without Redis), or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How the limits use Redis, where a test needs other than the defaults (not a setting: deployments keep them). */
export interface RedisLimitOptions {
  /** Key prefix (default `<redisKeyPrefix>limit:`). */
  keyPrefix?: string;
  /** How long a failure waits for Redis before it is counted in memory (default 250 ms). */
  commandTimeoutMs?: number;
}

/**
 * Builds the failed-authentication limits from the configuration (docs/oauth.md, "Failed
 * authentication limits"): undefined when `rateLimits` is `off`; counted in Redis, shared by every
 * node, when `redisUrl` is set, else in memory.
 */
export function createAuthenticationLimits(
  deps: {
    config: Pick<Config, 'rateLimits' | 'rateLimitWindow' | 'rateLimitAddressFailures' | 'rateLimitClientFailures' | 'rateLimitAdminFailures' | 'rateLimitLoginFailures' | 'redisUrl' | 'redisKeyPrefix'>;
    clock: Clock;
    audit: Pick<AuditLog, 'record'>;
    logger: Pick<Logger, 'warn' | 'info'>;
  },
  options: RedisLimitOptions = {},
): AuthenticationLimits | undefined {
  const { config } = deps;
  if (config.rateLimits === 'off') return undefined;
  const windowMs = config.rateLimitWindow * 1000;
  const shared: RedisFailureCounter | undefined =
    config.redisUrl === undefined
      ? undefined
      : redisFailureCounter({ keyPrefix: `${config.redisKeyPrefix}limit:`, ...options, redisUrl: config.redisUrl, windowMs, logger: deps.logger });
  const common = { windowSeconds: config.rateLimitWindow, clock: deps.clock, audit: deps.audit, logger: deps.logger, ...(shared === undefined ? {} : { shared }) };
  return {
    clients: new FailureLimiter({
      ...common,
      address: { name: 'client_address', failures: config.rateLimitAddressFailures },
      client: { name: 'client_id', failures: config.rateLimitClientFailures },
    }),
    admins: new FailureLimiter({ ...common, address: { name: 'admin_address', failures: config.rateLimitAdminFailures } }),
    logins: new FailureLimiter({ ...common, address: { name: 'login_address', failures: config.rateLimitLoginFailures } }),
    ready: (timeoutMs) => shared?.ready(timeoutMs) ?? Promise.resolve(true),
    close: () => shared?.close() ?? Promise.resolve(),
  };
}
