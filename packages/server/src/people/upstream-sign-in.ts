import { createHash, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { AuditEvent } from '../events/audit-events.js';
import { openBox, sealBox } from '../keys/sealed-box.js';
import type { FailureLimiter } from '../limits/failure-limiter.js';
import type { Random } from '../random.js';
import { ConflictError } from '../store/ports/conflict-error.js';
import type { LoginProviderRecord, LoginProviderStore } from '../store/ports/login-provider-store.js';
import type { UserRecord, UserStore } from '../store/ports/user-store.js';
import type { AuditInput } from '../store/records.js';
import { LOGIN_PROVIDER_ID_PATTERN } from './login-provider-input.js';
import type { Sessions } from './sessions.js';
import type { UpstreamClients } from './upstream-client.js';
import { upstreamPerson } from './upstream-person.js';
import { newUserId } from './validate-user-input.js';

/** How long a sign-in may stay at the upstream (RFC 9700 §2.1.1: short-lived, single-use). */
export const LOGIN_REQUEST_MS = 10 * 60_000;

/** 32 random bytes, base64url: `state`, `nonce` and the PKCE verifier (RFC 7636 §4.1: 43 characters, 256 bits). */
const RANDOM_BYTES = 32;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** What `UpstreamSignIn` needs. */
export interface UpstreamSignInDeps {
  clock: Clock;
  random: Random;
  store: Pick<LoginProviderStore, 'getLoginProvider' | 'saveLoginRequest' | 'claimLoginRequest'> & Pick<UserStore, 'getUserByEmail' | 'createUser' | 'updateUser'>;
  audit: Pick<AuditLog, 'record'>;
  sessions: Sessions;
  clients: UpstreamClients;
  masterKey: Buffer;
  /** Our issuer: the redirect URI is `{issuer}/login/oidc/{provider}/callback`. */
  issuer: string;
  limiter?: FailureLimiter | undefined;
}

/** Where the request came from, for the limits and the audit records. */
export interface UpstreamRequest {
  address: string | null;
  requestId: string | null;
}

/** Where to send the browser, and the `state` the browser is bound to (kept in its cookie). */
export type UpstreamStart = { kind: 'redirect'; url: string; state: string } | { kind: 'refused'; status: 404 | 502 };

/** A new session, or a refusal (whatever failed, the browser is told nothing more). */
export type UpstreamFinish = { kind: 'signed_in'; sessionId: string; user: UserRecord; returnTo: string } | { kind: 'refused' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/** The associated data a pending sign-in's PKCE verifier and nonce are sealed with: its state hash. */
export const loginRequestAad = (hash: string): string => `login-request:${hash}`;

/** The SHA-256 of a `state`, base64url: what the store keys pending sign-ins by. */
export function stateHash(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url');
}

/**
 * Sign-in through an upstream OpenID Connect provider (docs/people.md, "Sign-in with your identity
 * provider"): the authorization code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636 §4.2),
 * `state` and `nonce`, as RFC 9700 §2.1.1 asks of a client.
 *
 * `start` draws the three values, keeps the verifier and nonce server-side (sealed, keyed by the
 * state's hash, ten minutes, single use) and returns the authorization URL; the caller binds the
 * state to the browser with a cookie (RFC 9700 §4.7.1: CSRF protection bound to the user agent).
 * `finish` requires the callback's `state` to equal the browser's (constant time), claims the
 * pending request with one conditional delete, then lets `openid-client` check the response: the
 * `iss` parameter when present or advertised (RFC 9207 §2.4), the code exchange with the
 * verifier, the ID token's signature against the OP's keys, `iss`, `aud`, `azp`, `exp`, `iat` and
 * `nonce` (OIDC Core §3.1.3.7). The claims are mapped (`upstreamPerson`), the person is found by
 * email or created (when the provider allows it), updated, and given the same session as a local
 * sign-in. Every refusal is `user_login.failed` with its reason; the browser learns nothing.
 *
 * It does NOT read the UserInfo endpoint: the claims come from the ID token alone.
 */
export class UpstreamSignIn {
  constructor(private readonly deps: UpstreamSignInDeps) {}

  /** The redirect URI registered at the OP for `providerId`. */
  redirectUri(providerId: string): string {
    return new URL(`/login/oidc/${providerId}/callback`, this.deps.issuer).href;
  }

  async start(providerId: string, returnTo: string, request: UpstreamRequest): Promise<UpstreamStart> {
    const provider = await this.provider(providerId);
    if (provider === undefined) {
      await this.refused(null, providerId, 'unknown login provider', request, false);
      return { kind: 'refused', status: 404 };
    }
    let config: oidc.Configuration;
    try {
      config = await this.deps.clients.configuration(provider);
    } catch (error) {
      await this.refused(null, providerId, `discovery failed: ${describe(error)}`, request, false);
      return { kind: 'refused', status: 502 };
    }
    const state = this.deps.random.token(RANDOM_BYTES);
    const nonce = this.deps.random.token(RANDOM_BYTES);
    const verifier = this.deps.random.token(RANDOM_BYTES);
    const hash = stateHash(state);
    await this.deps.store.saveLoginRequest({
      stateHash: hash,
      providerId,
      sealed: sealBox(this.deps.masterKey, loginRequestAad(hash), Buffer.from(JSON.stringify({ verifier, nonce }), 'utf8')),
      returnTo,
      expiresAt: this.deps.clock.now() + LOGIN_REQUEST_MS,
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(providerId),
      scope: provider.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { kind: 'redirect', url: url.href, state };
  }

  /**
   * The callback. `query` is the raw query string of the request (without `?`), `browserState`
   * the state cookie the browser sent.
   */
  async finish(providerId: string, query: string, browserState: string | undefined, request: UpstreamRequest): Promise<UpstreamFinish> {
    const limited = this.deps.limiter?.refuseAddress(request.address);
    if (limited !== undefined) return { kind: 'rate_limited', retryAfterSeconds: limited };
    const params = new URLSearchParams(query);
    const state = params.getAll('state');
    if (state.length !== 1 || !STATE_PATTERN.test(state[0] ?? '')) return this.refused(null, providerId, 'state missing, repeated or malformed', request);
    const sent = state[0] as string;
    if (browserState === undefined || !sameSecret(sent, browserState)) return this.refused(null, providerId, 'state does not match this browser', request);
    const pending = await this.deps.store.claimLoginRequest(stateHash(sent), this.deps.clock.now());
    if (pending === undefined) return this.refused(null, providerId, 'state unknown, already used or expired', request);
    if (pending.providerId !== providerId) return this.refused(null, providerId, `state was issued for provider ${pending.providerId}`, request);
    const provider = await this.provider(providerId);
    if (provider === undefined) return this.refused(null, providerId, 'unknown login provider', request);
    const { verifier, nonce } = JSON.parse(openBox(this.deps.masterKey, loginRequestAad(pending.stateHash), pending.sealed).toString('utf8')) as { verifier: string; nonce: string };

    let claims: Record<string, unknown>;
    try {
      const config = await this.deps.clients.configuration(provider);
      const currentUrl = new URL(this.redirectUri(providerId));
      currentUrl.search = params.toString();
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: verifier, expectedState: sent, expectedNonce: nonce, idTokenExpected: true });
      this.deps.clients.remember(provider, config);
      claims = { ...(tokens.claims() ?? {}) };
    } catch (error) {
      return this.refused(null, providerId, `upstream: ${describe(error)}`, request);
    }

    const person = upstreamPerson(provider, claims);
    if (typeof person === 'string') return this.refused(null, providerId, person, request);
    const found = await this.deps.store.getUserByEmail(person.email);
    if (found === undefined && !provider.justInTime) return this.refused(null, providerId, 'no such person and just-in-time creation is off', request);
    const user = found === undefined ? await this.create(provider, person, request) : await this.refresh(found, provider, person, request);
    if (user.status !== 'active') return this.refused(user, providerId, `account ${user.status}`, request);
    if (user.lockedUntil !== null && this.deps.clock.now() < user.lockedUntil) return this.refused(user, providerId, 'account locked', request);
    const sessionId = await this.deps.sessions.start(user.id, 'signed_in', [this.record('user_session.created', user, providerId, request, { second_factor: false, sub: typeof claims.sub === 'string' ? claims.sub.slice(0, 255) : null })]);
    if (sessionId === undefined) return this.refused(user, providerId, 'session not created', request);
    return { kind: 'signed_in', sessionId, user, returnTo: pending.returnTo };
  }

  private async provider(id: string): Promise<LoginProviderRecord | undefined> {
    return LOGIN_PROVIDER_ID_PATTERN.test(id) ? this.deps.store.getLoginProvider(id) : undefined;
  }

  /** Just in time: a new person with the upstream's name, groups and mapped roles, and no local password. */
  private async create(provider: LoginProviderRecord, person: Exclude<ReturnType<typeof upstreamPerson>, string>, request: UpstreamRequest): Promise<UserRecord> {
    const now = this.deps.clock.now();
    const record: UserRecord = {
      id: newUserId(this.deps.random),
      email: person.email,
      name: person.name,
      groups: person.groups?.groups ?? [],
      roles: person.groups?.roles ?? [],
      status: 'active',
      passwordHash: null,
      totpSecret: null,
      totpPending: null,
      totpLastStep: null,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
    };
    try {
      await this.deps.store.createUser(record, [this.record('user.created', record, provider.id, request, { email: record.email, roles: record.roles, groups: record.groups, local_account: false })]);
    } catch (error) {
      // Two first sign-ins of one person at once: the other created them; this one signs them in.
      const existing = error instanceof ConflictError ? await this.deps.store.getUserByEmail(person.email) : undefined;
      if (existing === undefined) throw error;
      return this.refresh(existing, provider, person, request);
    }
    return record;
  }

  /** The upstream is the source of a person's name, and of their groups and roles when the provider maps groups. */
  private async refresh(user: UserRecord, provider: LoginProviderRecord, person: Exclude<ReturnType<typeof upstreamPerson>, string>, request: UpstreamRequest): Promise<UserRecord> {
    const patch = {
      ...(person.name === user.name ? {} : { name: person.name }),
      ...(person.groups === undefined || person.groups.groups.join('\n') === user.groups.join('\n') ? {} : { groups: person.groups.groups }),
      ...(person.groups === undefined || person.groups.roles.join() === user.roles.join() ? {} : { roles: person.groups.roles }),
    };
    if (Object.keys(patch).length === 0) return user;
    const details = { email: user.email, changed: Object.keys(patch).sort(), ...(patch.roles === undefined ? {} : { roles: patch.roles }) };
    // A change of roles ends the person's other sessions, as an admin's change does.
    const updated = await this.deps.store.updateUser(user.id, patch, this.deps.clock.now(), (u) => [this.record('user.updated', u, provider.id, request, details)], { endSessions: patch.roles !== undefined });
    return updated ?? user;
  }

  private async refused(user: UserRecord | null, providerId: string, reason: string, request: UpstreamRequest, counts = true): Promise<{ kind: 'refused' } | { kind: 'rate_limited'; retryAfterSeconds: number }> {
    await this.deps.audit.record({ ...this.record('user_login.failed', user, providerId, request), outcome: 'failure', actor: null, reason: reason.slice(0, 300) });
    const wait = counts ? await this.deps.limiter?.recordFailure({ address: request.address, requestId: request.requestId }) : undefined;
    return wait === undefined ? { kind: 'refused' } : { kind: 'rate_limited', retryAfterSeconds: wait };
  }

  private record(event: AuditEvent, user: UserRecord | null, providerId: string, request: UpstreamRequest, details: Record<string, unknown> = {}): AuditInput {
    return {
      time: this.deps.clock.now(),
      event,
      outcome: 'success',
      agentId: null,
      // A change the upstream's sign-in makes is the provider's doing, on the person's behalf.
      actor: event === 'user.created' || event === 'user.updated' ? `login_provider:${providerId.slice(0, 32)}` : user === null ? null : `user:${user.id}`,
      sourceIp: request.address,
      reason: null,
      requestId: request.requestId,
      details: { ...(user === null ? {} : { user_id: user.id }), provider_id: providerId.slice(0, 32), ...details },
    };
  }
}

/** Whether two secrets are equal, in constant time whatever their lengths. */
function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * An upstream failure for the audit record: the library's error code and message or the OP's
 * `error` code, never a response body, a token or a `cause`.
 */
function describe(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `authorization error ${error.error.slice(0, 64)}`;
  if (error instanceof oidc.ResponseBodyError) return `token endpoint error ${error.error.slice(0, 64)}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // The library's messages are fixed texts; a wrapped one names the check that failed.
    const inner = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message.slice(0, 120)})` : '';
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message.slice(0, 120)}${inner}`;
  }
  return 'unknown failure';
}
