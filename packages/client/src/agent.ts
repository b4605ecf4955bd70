import {
  CLIENT_ASSERTION_TYPE_JWT_BEARER,
  GRANT_CLIENT_CREDENTIALS,
  type AuthorizationServerMetadata,
  type SigningAlg,
  type TokenResponse,
} from '@agentauth/protocol';

import type { JWK } from 'jose';

import { checkAgentOptions, type AgentOptions } from './agent-options.js';
import { createClientAssertion } from './client-assertion.js';
import { discover } from './discovery.js';
import { DpopKey } from './dpop.js';
import { enroll } from './enroll.js';
import { checkStoredIdentity, type KeyStore, type StoredIdentity } from './key-store.js';
import { agentKeyFromJwk, generateAgentKey, makeAgentKey, type AgentKey } from './lib/agent-key.js';
import { readJsonObject } from './lib/read-json.js';
import { DEFAULT_RETRY, fetchRetryable, withRetry, type RetryPolicy } from './lib/retry.js';
import { postTokenRequest } from './lib/token-endpoint.js';
import { toOAuthError } from './lib/token-response.js';
import { refreshTime, TokenCache, type CachedToken } from './token-cache.js';
import { cacheKey, checkTokenRequest, type TokenRequest } from './lib/token-request.js';
import type { AccessToken, AgentFetchInit, ExchangeRequest, KeyRotation, MutualTlsTransport } from './agent-types.js';
import { isCurrentParty } from './lib/subject-token.js';
import { checkExchangeRequest, exchangeParameters } from './lib/exchange-form.js';
import { resourceFor } from './lib/resource-for.js';
import { sendWithToken } from './resource-request.js';
import { checkApprovalRequest, postBackchannelRequest, requestApproval, type ApprovalRequestOptions, type ApprovedToken } from './approval.js';
import type { AuthorizationDetail } from '@agentauth/protocol';

export type { TokenRequest } from './lib/token-request.js';

export type { AccessToken, AgentFetchInit, ExchangeRequest, KeyRotation, MutualTlsTransport } from './agent-types.js';

const SELF_KEYS_PATH = '/agents/self/keys';
const SELF_KEYS_REVOKE_PATH = '/agents/self/keys/revoke';
const SELF_CERTIFICATES_PATH = '/agents/self/certificates';

/**
 * Creates an agent: finds its identity in `keyStore`, or uses `clientId` + `key`, or (first run)
 * generates a key pair locally and enrols it with `enrollmentToken`, then stores it. Running it
 * again with the same key store does not enrol again.
 *
 * Throws TypeError at once on misuse (missing or non-https issuer outside loopback, malformed key
 * or enrolment token, nothing to authenticate with); the returned promise rejects with an
 * OAuthClientError when the server refuses the enrolment (`invalid_grant`: token used, expired or
 * unknown).
 */
export function createAgent(options: AgentOptions): Promise<Agent> {
  const alg = checkAgentOptions(options);
  return Agent.open(options, alg);
}

/**
 * An agent's identity and its tokens (see docs/agent-sdk.md). Holds its private key in a private
 * field: `JSON.stringify`, `util.inspect` and every error leave it out.
 */
export class Agent {
  readonly issuer: string;
  readonly clientId: string;
  readonly #alg: SigningAlg;
  #key: AgentKey;
  readonly #keyStore: KeyStore | undefined;
  readonly #dpop: DpopKey | undefined;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;
  readonly #resources: Record<string, { scope?: string }>;
  readonly #cache: TokenCache;
  readonly #requests = new Set<Promise<unknown>>();
  #metadata: Promise<AuthorizationServerMetadata> | undefined;
  #rotation: Promise<unknown> = Promise.resolve();
  #mutualTls: MutualTlsTransport | undefined;

  private constructor(options: AgentOptions, alg: SigningAlg, clientId: string, key: AgentKey, dpop: DpopKey | undefined) {
    this.issuer = options.issuer;
    this.clientId = clientId;
    this.#alg = alg;
    this.#key = key;
    this.#keyStore = options.keyStore;
    this.#dpop = dpop;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#resources = { ...options.resources };
    this.#cache = new TokenCache(this.#now, options.onBackgroundError ?? (() => undefined));
  }

  /** @internal Use {@link createAgent}. */
  static async open(options: AgentOptions, alg: SigningAlg): Promise<Agent> {
    const now = options.now ?? Date.now;
    const dpop = options.dpop === true ? await DpopKey.generate(now) : undefined;
    const stored = options.keyStore === undefined ? undefined : await options.keyStore.load();
    let agent: Agent;
    if (stored !== undefined) {
      const identity = checkStoredIdentity(stored);
      if (identity.issuer !== options.issuer) throw new TypeError('the key store holds an identity for another issuer');
      if (options.clientId !== undefined && identity.clientId !== options.clientId) throw new TypeError('the key store holds another agent than clientId');
      const key = await agentKeyFromJwk(identity.privateJwk, identity.alg, identity.kid);
      agent = new Agent(options, identity.alg, identity.clientId, key, dpop);
      if (identity.retiredKid !== undefined) await agent.#removeRetiredKey(identity.retiredKid).catch(() => undefined);
    } else if (options.key !== undefined) {
      const clientId = options.clientId as string;
      const key =
        typeof CryptoKey !== 'undefined' && options.key instanceof CryptoKey
          ? makeAgentKey(alg, options.kid as string, {}, options.key, undefined)
          : await agentKeyFromJwk(options.key as JWK, alg, options.kid);
      agent = new Agent(options, alg, clientId, key, dpop);
      if (key.privateJwk !== undefined) await agent.#save(undefined);
    } else {
      if (options.enrollmentToken === undefined) throw new TypeError('the key store is empty and no enrollmentToken was given');
      const key = await generateAgentKey(alg);
      const enrolled = await enroll({ issuer: options.issuer, enrollmentToken: options.enrollmentToken, publicJwk: key.publicJwk, ...(options.fetch ? { fetch: options.fetch } : {}) });
      agent = new Agent(options, alg, enrolled.clientId, key, dpop);
      await agent.#save(undefined);
    }
    return agent;
  }

  /** The kid of the key the agent signs with now. */
  get kid(): string {
    return this.#key.kid;
  }

  /** RFC 7638 thumbprint of the DPoP key (the `cnf.jkt` of its tokens), when DPoP is on. */
  get dpopThumbprint(): string | undefined {
    return this.#dpop?.thumbprint;
  }

  /**
   * An access token for `resource` and `scope` (RFC 6749 §4.4 with RFC 7523 `private_key_jwt`,
   * RFC 8707 `resource`, RFC 9449 DPoP when on). Cached per (resource, scope); refreshed ahead of
   * expiry, with jitter; concurrent callers share one request; network failures and 5xx are
   * retried with backoff, a 4xx never (it throws OAuthClientError with the OAuth `error`).
   */
  async getToken(request: TokenRequest = {}): Promise<AccessToken> {
    const { resource, scope } = checkTokenRequest(request);
    const cached = await this.#cache.get(cacheKey(resource, scope), () => this.#requestToken(resource, scope));
    return publicToken(cached);
  }

  /**
   * RFC 8693 token exchange: a token for `resource`/`scope` on behalf of `subjectToken`, for
   * delegation (the new token's `act` names this agent) and per-task tokens (`taskId`). Not
   * cached: each task gets its own token.
   */
  async exchange(request: ExchangeRequest): Promise<AccessToken> {
    const { resource, scope } = checkExchangeRequest(request);
    // Acting for another party is delegation, which the server grants only with an actor_token of
    // this agent's own (RFC 8693 §2.1); narrowing its own token needs none.
    const actorToken = isCurrentParty(request.subjectToken, this.clientId) ? undefined : (await this.getToken({ resource, scope })).accessToken;
    const extra = exchangeParameters(request, actorToken);
    return publicToken(await this.#requestToken(resource, scope, extra));
  }

  /**
   * Asks a person to approve a specific action (OpenID CIBA Core 1.0 with RFC 9396
   * `authorization_details`, docs/approvals.md), waits for the answer by polling or, with
   * `options.ping`, for the server's callback, and returns a token for exactly what was approved:
   * short-lived, for one resource, not cached. A denial rejects with `OAuthClientError`
   * `access_denied` (the person's reason in its description), an expiry with `expired_token`;
   * `options.signal` cancels and `options.timeoutMs` bounds the wait. Misuse throws `TypeError` at
   * once. The agent must be registered for the grant `urn:openid:params:grant-type:ciba`.
   */
  async requestApproval(details: readonly AuthorizationDetail[] | undefined, options: ApprovalRequestOptions = {}): Promise<ApprovedToken> {
    const form = checkApprovalRequest(details, options);
    return requestApproval(
      {
        backchannel: async (params) => {
          params.set('client_id', this.clientId);
          params.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT_BEARER);
          params.set('client_assertion', await this.#assertion(this.#key));
          return postBackchannelRequest(await this.#discovered(), params, this.#fetch);
        },
        token: async (params) => {
          const token = await this.#requestToken(undefined, undefined, params);
          return { accessToken: token.accessToken, tokenType: token.tokenType, scope: token.scope, authorizationDetails: token.authorizationDetails, expiresAt: token.expiresAt };
        },
        sleep: this.#sleep,
      },
      form,
      options,
    );
  }

  /**
   * `fetch` with the right token: for the URL's resource (the longest configured resource that
   * prefixes the URL, else its origin), as `Authorization: Bearer` or `DPoP` with a proof bound
   * to the token (`ath`). Retries once on 401 with a fresh token, and once on a resource server's
   * `use_dpop_nonce` (RFC 9449 §9). A 403 `insufficient_scope` throws InsufficientScopeError.
   * A request body that is a stream is sent once (it cannot be replayed).
   *
   * With `init.token` (for example a delegated token from {@link Agent.exchange}) that token is
   * sent instead, in the scheme its `tokenType` names, with DPoP proofs made by this agent's DPoP
   * key; a 401 is then returned as it is, since a given token cannot be replaced.
   */
  async fetch(input: string | URL, init: AgentFetchInit = {}): Promise<Response> {
    const url = new URL(input);
    const { scope: scopeOption, resource: resourceOption, token: given, ...requestInit } = init;
    if (given !== undefined) {
      checkGivenToken(given, scopeOption, resourceOption);
      return sendWithToken({ url, init: requestInit, fetch: this.#fetch, dpop: this.#dpop, token: given });
    }
    const resource = resourceOption ?? resourceFor(url, Object.keys(this.#resources));
    const scope = scopeOption ?? this.#resources[resource]?.scope;
    const key = cacheKey(resource, scope);
    return sendWithToken({
      url,
      init: requestInit,
      fetch: this.#fetch,
      dpop: this.#dpop,
      token: await this.#cache.get(key, () => this.#requestToken(resource, scope)),
      renew: (refused) => {
        this.#cache.drop(key, refused.accessToken);
        return this.#cache.refresh(key, () => this.#requestToken(resource, scope));
      },
    });
  }

  /**
   * Rotates the agent key with no failed request in between: generates a key locally, registers
   * its public half (`POST /agents/self/keys`, authenticated by the current key), stores and
   * switches to it, waits for requests signed with the old key to finish, then removes the old
   * key (authenticated by the new one). Tokens already issued stay valid. Rotations run one at a
   * time. If removing the old key fails, the store remembers it and a later start removes it.
   */
  rotateKey(): Promise<KeyRotation> {
    const run = this.#rotation.then(() => this.#rotate());
    this.#rotation = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends token requests to the mutual-TLS endpoint alias (RFC 8705 §5) over `transport`, so an
   * agent registered for certificate-bound tokens gets tokens carrying its certificate's
   * thumbprint (`cnf.x5t#S256`, §3.1); `undefined` goes back to the plain token endpoint. Drops
   * every cached token, since one bound to the previous certificate would now be refused. The
   * certificate manager (`@agentauth/client/node`) calls it with each new certificate.
   */
  useMutualTls(transport: MutualTlsTransport | undefined): void {
    this.#mutualTls = transport;
    this.#cache.clear();
  }

  /**
   * A certificate for a PEM CSR, asked for with the agent's own key (`POST /agents/self/certificates`,
   * `private_key_jwt`) rather than a token: how an agent without a certificate gets one, even one
   * registered for certificate-bound tokens. Returns the server's JSON (`certificate_chain`,
   * `serial`, `spiffe_id`, `expires_at`); throws OAuthClientError when refused. The certificate
   * manager calls it; the CSR and its key are the caller's.
   */
  async requestOwnCertificate(csr: string): Promise<Record<string, unknown>> {
    if (typeof csr !== 'string' || !csr.includes('CERTIFICATE REQUEST')) throw new TypeError('csr must be a PEM certification request');
    return this.#selfRequest(SELF_CERTIFICATES_PATH, { csr }, this.#key, true);
  }

  /** Forgets every cached token (the next call fetches new ones). */
  clearTokens(): void {
    this.#cache.clear();
  }

  /** What `JSON.stringify` prints: never key material. */
  toJSON(): { issuer: string; clientId: string; kid: string } {
    return { issuer: this.issuer, clientId: this.clientId, kid: this.#key.kid };
  }

  /** What Node's `util.inspect` (and `console.log`) prints. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Agent { issuer: '${this.issuer}', clientId: '${this.clientId}', kid: '${this.#key.kid}' }`;
  }

  async #rotate(): Promise<KeyRotation> {
    if (this.#key.privateJwk === undefined && this.#keyStore !== undefined) throw new TypeError('a non-extractable key cannot be rotated into a key store');
    const previous = this.#key;
    const next = await generateAgentKey(this.#alg);
    await this.#selfRequest(SELF_KEYS_PATH, { jwk: JSON.stringify(next.publicJwk) }, previous, false);
    this.#key = next;
    await this.#save(previous.kid);
    // Requests that signed with the old key are still on the wire: let them land first.
    await Promise.allSettled([...this.#requests]);
    await this.#removeRetiredKey(previous.kid);
    return { kid: next.kid, previousKid: previous.kid };
  }

  async #removeRetiredKey(kid: string): Promise<void> {
    if (kid === this.#key.kid) return;
    try {
      await this.#selfRequest(SELF_KEYS_REVOKE_PATH, { kid }, this.#key, true);
    } catch (error) {
      // Already gone (a previous run removed it, then crashed before saving): nothing to do.
      if (!(error instanceof Error && 'error' in error && error.error === 'invalid_request')) throw error;
    }
    await this.#save(undefined);
  }

  async #save(retiredKid: string | undefined): Promise<void> {
    if (this.#keyStore === undefined || this.#key.privateJwk === undefined) return;
    const identity: StoredIdentity = { version: 1, issuer: this.issuer, clientId: this.clientId, alg: this.#alg, kid: this.#key.kid, privateJwk: this.#key.privateJwk };
    if (retiredKid !== undefined) identity.retiredKid = retiredKid;
    await this.#keyStore.save(identity);
  }

  async #selfRequest(path: string, params: Record<string, string>, key: AgentKey, retry: boolean): Promise<Record<string, unknown>> {
    const issuer = new URL(this.issuer);
    const endpoint = new URL(`${issuer.pathname.replace(/\/$/, '')}${path}`, issuer.origin);
    const attempt = async () => {
      const form = new URLSearchParams({ client_id: this.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: await this.#assertion(key), ...params });
      const response = await fetchRetryable(this.#fetch, endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form, redirect: 'error' });
      const body = await readJsonObject(response);
      if (response.status !== 200 && response.status !== 201) throw toOAuthError(body, response.status);
      return body;
    };
    return retry ? withRetry(attempt, this.#retry, this.#sleep, this.#random) : attempt();
  }

  #assertion(key: AgentKey): Promise<string> {
    return createClientAssertion({ clientId: this.clientId, audience: this.issuer, key: key.signingKey, alg: this.#alg, kid: key.kid, now: this.#now });
  }

  #tokenEndpoint(): Promise<string> {
    return this.#discovered().then((m) => m.token_endpoint);
  }

  #discovered(): Promise<AuthorizationServerMetadata> {
    this.#metadata ??= withRetry(() => discover(this.issuer, { fetch: this.#fetch }), this.#retry, this.#sleep, this.#random).catch((error: unknown) => {
      this.#metadata = undefined;
      throw error;
    });
    return this.#metadata;
  }

  #requestToken(resource: string | undefined, scope: string | undefined, extra?: URLSearchParams): Promise<CachedToken> {
    const run = withRetry(
      async () => {
        const mutualTls = this.#mutualTls;
        const endpoint = mutualTls?.tokenEndpoint ?? (await this.#tokenEndpoint());
        const response: TokenResponse = await postTokenRequest({
          endpoint,
          dpop: this.#dpop,
          fetch: mutualTls?.fetch ?? this.#fetch,
          form: async () => {
            const form = new URLSearchParams(extra);
            if (!form.has('grant_type')) form.set('grant_type', GRANT_CLIENT_CREDENTIALS);
            form.set('client_id', this.clientId);
            form.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT_BEARER);
            form.set('client_assertion', await this.#assertion(this.#key));
            if (scope !== undefined) form.set('scope', scope);
            if (resource !== undefined) form.set('resource', resource);
            return form;
          },
        });
        const now = this.#now();
        const lifetime = response.expires_in * 1000;
        return {
          accessToken: response.access_token,
          tokenType: response.token_type,
          scope: typeof response.scope === 'string' ? response.scope : scope,
          ...(Array.isArray(response.authorization_details) ? { authorizationDetails: response.authorization_details } : {}),
          expiresAt: now + lifetime,
          refreshAt: refreshTime(now, lifetime, this.#random),
        };
      },
      this.#retry,
      this.#sleep,
      this.#random,
    );
    this.#requests.add(run);
    void run.finally(() => this.#requests.delete(run)).catch(() => undefined);
    return run;
  }
}

function publicToken(token: CachedToken): AccessToken {
  return { accessToken: token.accessToken, tokenType: token.tokenType, scope: token.scope, expiresAt: token.expiresAt };
}

/** A token handed to {@link Agent.fetch}: misuse throws at once, before anything is sent. */
function checkGivenToken(token: AccessToken, scope: string | undefined, resource: string | undefined): void {
  if (typeof token !== 'object' || token === null || typeof token.accessToken !== 'string' || token.accessToken === '') {
    throw new TypeError('token must be an access token as getToken or exchange returns it');
  }
  if (token.tokenType !== 'Bearer' && token.tokenType !== 'DPoP') throw new TypeError('token.tokenType must be Bearer or DPoP');
  if (scope !== undefined || resource !== undefined) throw new TypeError('token cannot be combined with scope or resource: the token already has them');
}
