import type { SigningAlg } from '@agentauth/protocol';

/**
 * The validated, frozen server configuration. Built only by `loadConfig` from the one schema in
 * `schema.ts` (defaults < YAML file < AGENTAUTH_* environment < command-line flags).
 */
export interface Config {
  /** Interface the public listener binds to. */
  readonly host: string;
  readonly port: number;
  /** RFC 8414 issuer identifier: no trailing slash, no query, no fragment; https unless loopback. */
  readonly issuer: string;
  readonly dataDir: string;
  /** `postgres://...` selects PostgreSQL; undefined means SQLite at `<dataDir>/agentauth.db`. */
  readonly databaseUrl: string | undefined;
  /** 32 bytes; undefined means "load or generate `<dataDir>/master.key`". */
  readonly masterKey: Buffer | undefined;
  /** Admin credential accepted from the first start; never logged. */
  readonly bootstrapToken: string | undefined;
  /** Default access token lifetime, seconds. */
  readonly accessTokenTtl: number;
  readonly signingAlg: SigningAlg;
  /** Signing key rotation period, seconds (default 30 days). */
  readonly keyRotationInterval: number;
  /** Group-commit flush interval for audit and issued-token records, milliseconds. */
  readonly auditFlushInterval: number;
  /** Optional Redis URL for shared replay caches and revocation fan-out. */
  readonly redisUrl: string | undefined;
  /** Number of worker processes (node:cluster); 1 runs in-process. */
  readonly workers: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Trust `X-Forwarded-For` from these proxy addresses (CIDR or IP) for the audit source IP. */
  readonly trustedProxies: readonly string[];
}
