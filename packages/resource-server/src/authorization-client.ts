import { AUTHZEN_CONFIGURATION_PATH, SCOPE_AUTHORIZE, wellKnownUrl, type AccessEvaluationRequest, type AuthZenResource, type AuthZenSubject } from '@agentauth/protocol';
import { DecisionCache } from './decision-cache.js';
import type { IssuerKeys } from './issuer-keys.js';
import { isAllowedUrl } from './issuer-metadata.js';
import { fetchJson, FetchJsonError } from './lib/fetch-json.js';
import type { Principal } from './principal.js';
import { checkServiceCredentials, type ServiceCredentials } from './service-credentials.js';
import { ServiceToken } from './service-token.js';

/** How a resource server asks the authorization server's AuthZEN PDP (`rs.authorize`). */
export interface AuthorizationOptions {
  /** This service's client credentials; its agent must be allowed the scope `agentauth:authorize`. */
  credentials: ServiceCredentials;
  /** How long a decision is reused for the same question, ms, 0 (never) to 60 000. Default 5 000. */
  cacheTtlMs?: number;
  /** Most decisions kept. Default 10 000. */
  cacheSize?: number;
  /** Timeout of each request to the server, ms. Default 5 000. */
  timeoutMs?: number;
}

/** Who a question is about: a verified {@link Principal} (its agent), or any AuthZEN subject (a user). */
export type AuthorizationSubject = Principal | AuthZenSubject;

/** Default {@link AuthorizationOptions.cacheTtlMs}. */
export const DEFAULT_DECISION_CACHE_TTL_MS = 5_000;
/** Longest question (as JSON) that is cached; a longer one is asked every time. */
const MAX_CACHED_QUESTION = 4096;

/**
 * The PEP side of OpenID AuthZEN Authorization API 1.0 §6: asks the authorization server's PDP,
 * found through its metadata (§9: `policy_decision_point` must equal the issuer, §9.2.3), with
 * this service's own access token (client credentials, scope `agentauth:authorize`, resource =
 * the issuer; refreshed once on a 401). Equal questions within `cacheTtlMs` are answered from a
 * bounded cache, and concurrent equal questions share one request.
 *
 * Fails closed: anything but a `200` with a boolean `decision` (the server unreachable, a
 * refusal, a malformed answer) is `false`, reported to `onError`, and not cached.
 */
export class AuthorizationClient {
  private readonly token: ServiceToken;
  private readonly cache: DecisionCache;
  private readonly pending = new Map<string, Promise<boolean>>();
  private endpoint: Promise<string> | undefined;
  private readonly timeoutMs: number;

  constructor(
    options: AuthorizationOptions,
    private readonly context: { issuer: string; keys: IssuerKeys; fetch: typeof fetch; now: () => number; onError: (error: unknown) => void },
  ) {
    if (typeof options !== 'object' || options === null) throw new TypeError('authorization must be an object');
    checkServiceCredentials(options.credentials, 'authorization.credentials');
    const ttl = options.cacheTtlMs ?? DEFAULT_DECISION_CACHE_TTL_MS;
    const size = options.cacheSize ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 60_000) throw new TypeError('authorization.cacheTtlMs must be an integer from 0 to 60000');
    if (!Number.isInteger(size) || size < 1) throw new TypeError('authorization.cacheSize must be a positive integer');
    if (!(this.timeoutMs > 0)) throw new TypeError('authorization.timeoutMs must be positive');
    this.cache = new DecisionCache(ttl, size);
    this.token = new ServiceToken({ issuer: context.issuer, credentials: options.credentials, scope: SCOPE_AUTHORIZE, keys: context.keys, fetch: context.fetch, now: context.now, timeoutMs: this.timeoutMs });
  }

  /** The PDP's decision on one question; false when it cannot be had. Misuse throws a TypeError at once. */
  authorize(subject: AuthorizationSubject, action: string, resource: AuthZenResource, context?: Record<string, unknown>): Promise<boolean> {
    return this.decide(JSON.stringify(evaluationRequest(subject, action, resource, context)));
  }

  private async decide(key: string): Promise<boolean> {
    const cacheable = key.length <= MAX_CACHED_QUESTION;
    if (cacheable) {
      const cached = this.cache.get(key, this.context.now());
      if (cached !== undefined) return cached;
      const asked = this.pending.get(key);
      if (asked !== undefined) return asked;
    }
    const asking = this.ask(key, cacheable);
    if (!cacheable) return asking;
    this.pending.set(key, asking);
    try {
      return await asking;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Forgets every cached decision. */
  clearCache(): void {
    this.cache.clear();
  }

  private async ask(body: string, cacheable: boolean): Promise<boolean> {
    try {
      const endpoint = await this.evaluationEndpoint();
      let answer;
      try {
        answer = await this.post(endpoint, body);
      } catch (error) {
        // An expired or revoked token of ours: get a fresh one, once.
        if (!(error instanceof FetchJsonError) || error.status !== 401) throw error;
        this.token.clear();
        answer = await this.post(endpoint, body);
      }
      const decision = answer['decision'];
      if (typeof decision !== 'boolean') throw new FetchJsonError('the PDP answered no boolean decision', 200);
      if (cacheable) this.cache.set(body, decision, this.context.now());
      return decision;
    } catch (error) {
      this.context.onError(error);
      return false;
    }
  }

  private async post(endpoint: string, body: string): Promise<Record<string, unknown>> {
    const headers = { authorization: `Bearer ${await this.token.get()}`, 'content-type': 'application/json' };
    return (await fetchJson(endpoint, { fetch: this.context.fetch, timeoutMs: this.timeoutMs, method: 'POST', headers, body })).body;
  }

  /** `access_evaluation_endpoint` from the PDP metadata, read once (again after a failure). */
  private evaluationEndpoint(): Promise<string> {
    this.endpoint ??= this.discover().catch((error: unknown) => {
      this.endpoint = undefined;
      throw error;
    });
    return this.endpoint;
  }

  private async discover(): Promise<string> {
    const { body } = await fetchJson(wellKnownUrl(this.context.issuer, AUTHZEN_CONFIGURATION_PATH), { fetch: this.context.fetch, timeoutMs: this.timeoutMs });
    // AuthZEN 1.0 §9.2.3: metadata naming another PDP than the one asked MUST NOT be used.
    if (body['policy_decision_point'] !== this.context.issuer) throw new FetchJsonError('PDP metadata: policy_decision_point is not the issuer', 200);
    const endpoint = body['access_evaluation_endpoint'];
    if (typeof endpoint !== 'string' || !isAllowedUrl(endpoint)) throw new FetchJsonError('PDP metadata: access_evaluation_endpoint is not an https URL', 200);
    return endpoint;
  }
}

/** The AuthZEN 1.0 §6.1 request for a question; misuse is a TypeError. */
export function evaluationRequest(subject: AuthorizationSubject, action: string, resource: AuthZenResource, context: Record<string, unknown> | undefined): AccessEvaluationRequest {
  if (typeof subject !== 'object' || subject === null) throw new TypeError('subject must be a Principal or an AuthZEN subject');
  const who: AuthZenSubject = 'agentId' in subject ? { type: 'agent', id: subject.agentId } : subject;
  if (typeof who.type !== 'string' || who.type === '' || typeof who.id !== 'string' || who.id === '') throw new TypeError('subject.type and subject.id must be non-empty strings');
  if (typeof action !== 'string' || action === '') throw new TypeError('action must be a non-empty string');
  if (typeof resource !== 'object' || resource === null || typeof resource.type !== 'string' || resource.type === '' || typeof resource.id !== 'string' || resource.id === '') {
    throw new TypeError('resource must be an AuthZEN resource: { type, id, properties? } with non-empty strings');
  }
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) throw new TypeError('context must be an object');
  const request: AccessEvaluationRequest = {
    subject: who.properties === undefined ? { type: who.type, id: who.id } : { type: who.type, id: who.id, properties: who.properties },
    action: { name: action },
    resource: resource.properties === undefined ? { type: resource.type, id: resource.id } : { type: resource.type, id: resource.id, properties: resource.properties },
  };
  if (context !== undefined) request.context = context;
  return request;
}
