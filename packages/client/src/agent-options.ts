import type { JWK } from 'jose';

import { SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';

import type { KeyStore } from './key-store.js';
import { checkIssuer } from './lib/endpoint-url.js';
import type { RetryPolicy } from './lib/retry.js';

/** Options of {@link createAgent}. */
export interface AgentOptions {
  /** The authorization server's issuer identifier (RFC 8414 §2): https, or http on loopback only. */
  issuer: string;
  /** The agent's `client_id`, with `key`, for an agent registered by other means than enrolment. */
  clientId?: string;
  /** The agent's private key (a private JWK or a private CryptoKey), with `clientId`. */
  key?: JWK | CryptoKey;
  /** The key's `kid` as registered; default the JWK's `kid` or its RFC 7638 thumbprint. Required for a CryptoKey. */
  kid?: string;
  /** Signing algorithm of the agent key (default ES256). */
  alg?: SigningAlg;
  /**
   * Where the identity (client id and private key) is kept between runs. With an empty store and
   * an `enrollmentToken`, the agent generates its key and enrols; on later runs it finds its
   * identity there and does not enrol again.
   */
  keyStore?: KeyStore;
  /** A one-time enrolment token (`agentauth agents enroll-token ID`), used only when the store is empty. */
  enrollmentToken?: string;
  /** RFC 9449: bind every token to a DPoP key of this agent (default false). */
  dpop?: boolean;
  /**
   * Resource identifiers (RFC 8707) this agent calls, each with the scope to request by default.
   * `agent.fetch(url)` uses the longest one that is a prefix of the URL, else the URL's origin.
   */
  resources?: Record<string, { scope?: string }>;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; inject a frozen clock in tests. */
  now?: () => number;
  /** How to wait between retries; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Told of failures of background work (refresh ahead of expiry). Never given key material. */
  onBackgroundError?: (error: unknown) => void;
}

const ENROLLMENT_TOKEN = /^aaenr_[A-Za-z0-9_-]{43}$/;

/**
 * Checks the options synchronously, so misuse throws TypeError at the call, not at the first
 * request. The messages never include the key.
 */
export function checkAgentOptions(options: AgentOptions): SigningAlg {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  checkIssuer(options.issuer);
  const alg = options.alg ?? 'ES256';
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) throw new TypeError(`alg must be one of ${SIGNING_ALGS.join(', ')}`);
  if (options.clientId !== undefined && (typeof options.clientId !== 'string' || options.clientId === '' || options.clientId.length > 256)) {
    throw new TypeError('clientId must be a non-empty string');
  }
  if (options.key !== undefined) {
    if (options.clientId === undefined) throw new TypeError('key needs clientId');
    const isCryptoKey = typeof CryptoKey !== 'undefined' && options.key instanceof CryptoKey;
    if (isCryptoKey) {
      if ((options.key as CryptoKey).type !== 'private') throw new TypeError('key must be a private key');
      if (options.kid === undefined) throw new TypeError('a CryptoKey needs kid');
    } else {
      const jwk = options.key as Record<string, unknown>;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof jwk['kty'] !== 'string') throw new TypeError('key must be a private JWK or a private CryptoKey');
      if (typeof jwk['d'] !== 'string' || jwk['d'] === '') throw new TypeError('key must be a private JWK (it has no "d")');
    }
  }
  if (options.kid !== undefined && (typeof options.kid !== 'string' || options.kid === '' || options.kid.length > 200)) throw new TypeError('kid must be a non-empty string');
  if (options.keyStore !== undefined && (typeof options.keyStore?.load !== 'function' || typeof options.keyStore?.save !== 'function')) {
    throw new TypeError('keyStore must have load() and save()');
  }
  if (options.enrollmentToken !== undefined && (typeof options.enrollmentToken !== 'string' || !ENROLLMENT_TOKEN.test(options.enrollmentToken))) {
    throw new TypeError('enrollmentToken is not an agentauth enrolment token (aaenr_...)');
  }
  if (options.key === undefined && options.keyStore === undefined && options.enrollmentToken === undefined) {
    throw new TypeError('give clientId and key, a keyStore holding an identity, or an enrollmentToken');
  }
  for (const resource of Object.keys(options.resources ?? {})) {
    let url: URL;
    try {
      url = new URL(resource);
    } catch {
      throw new TypeError('each resource must be an absolute URI (RFC 8707 §2)');
    }
    if (url.hash !== '' || resource.includes('#')) throw new TypeError('a resource must not have a fragment (RFC 8707 §2)');
  }
  return alg;
}
