import { GRANT_CIBA, type AuthorizationDetail } from '@agentauth/protocol';

import type { AuthorizationServerMetadata } from '@agentauth/protocol';
import { readJsonObject } from './lib/read-json.js';
import { toOAuthError } from './lib/token-response.js';
import { OAuthClientError } from './oauth-client-error.js';
import { UnexpectedResponseError } from './unexpected-response-error.js';
import type { PingReceiver } from './ping-receiver.js';

/** What `Agent.requestApproval` asks a person to approve, and how it waits (docs/approvals.md). */
export interface ApprovalRequestOptions {
  /** Shown to the person beside the request (CIBA `binding_message`): 1..100 characters, no control characters. */
  bindingMessage?: string;
  /** Scopes to approve besides (or instead of) the details. */
  scope?: string;
  /** RFC 8707 resource the token will be for (default: the agent's only resource). */
  resource?: string;
  /** The approver, by email or user id (CIBA `login_hint`; default: the agent's owner). */
  loginHint?: string;
  /** Seconds the person has, at most the server's limit (CIBA `requested_expiry`). */
  requestedExpiry?: number;
  /** Ping mode (CIBA §10.2): wait for the server's callback instead of polling. The agent must be registered for ping. */
  ping?: PingReceiver;
  /** Cancels the wait: the promise rejects with the signal's reason, and nothing is redeemed. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds (a `TimeoutError`), whatever the request's own expiry. */
  timeoutMs?: number;
}

/** A token for exactly what a person approved. */
export interface ApprovedToken {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  scope: string | undefined;
  /** RFC 9396: the approved authorization details the token carries. */
  authorizationDetails: AuthorizationDetail[] | undefined;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** What the approval flow needs of the agent. */
export interface ApprovalDeps {
  /** POSTs a form, authenticated as the agent, to the backchannel authentication endpoint; returns the JSON body or throws an OAuthClientError. */
  backchannel: (form: URLSearchParams) => Promise<Record<string, unknown>>;
  /** One CIBA token request (authenticated as the agent). */
  token: (form: URLSearchParams) => Promise<ApprovedToken>;
  sleep: (ms: number) => Promise<void>;
}

/** CIBA Core 1.0 §11: how much longer to wait after `slow_down`. */
const SLOW_DOWN_SECONDS = 5;
const BINDING_MESSAGE = /^[^\p{Cc}\p{Cf}]{1,100}$/u;

/** Misuse of {@link ApprovalRequestOptions} throws at once, before anything is sent. */
export function checkApprovalRequest(details: readonly AuthorizationDetail[] | undefined, options: ApprovalRequestOptions): URLSearchParams {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const form = new URLSearchParams();
  if (details !== undefined) {
    if (!Array.isArray(details) || details.length === 0 || !details.every((d) => typeof d === 'object' && d !== null && typeof d.type === 'string' && d.type !== '')) {
      throw new TypeError('details must be a non-empty array of RFC 9396 authorization details, each with a type');
    }
    form.set('authorization_details', JSON.stringify(details));
  }
  if (options.scope !== undefined) {
    if (typeof options.scope !== 'string' || options.scope.trim() === '') throw new TypeError('scope must be a non-empty string');
    form.set('scope', options.scope);
  }
  if (details === undefined && options.scope === undefined) throw new TypeError('ask for authorization details, a scope, or both');
  if (options.bindingMessage !== undefined) {
    if (typeof options.bindingMessage !== 'string' || !BINDING_MESSAGE.test(options.bindingMessage)) throw new TypeError('bindingMessage must be 1..100 characters without control characters');
    form.set('binding_message', options.bindingMessage);
  }
  if (options.resource !== undefined) form.set('resource', options.resource);
  if (options.loginHint !== undefined) form.set('login_hint', options.loginHint);
  if (options.requestedExpiry !== undefined) {
    if (!Number.isInteger(options.requestedExpiry) || options.requestedExpiry < 1) throw new TypeError('requestedExpiry must be a positive integer of seconds');
    form.set('requested_expiry', String(options.requestedExpiry));
  }
  if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)) throw new TypeError('timeoutMs must be a positive number');
  return form;
}

/**
 * OpenID CIBA Core 1.0 from the agent's side: asks (§7.1), then waits by polling at the server's
 * `interval` (§7.3; five seconds more after each `slow_down`, §11) or, with `ping`, for the
 * server's callback (§10.2), and redeems the `auth_req_id` once (§10.1). A denial rejects with an
 * `OAuthClientError` `access_denied` (its description carries the person's reason), an expiry with
 * `expired_token`; `signal` and `timeoutMs` stop the wait (an `AbortError` or `TimeoutError`).
 *
 * Does NOT check the token: to the agent it is opaque; the server bound the details into it.
 */
export async function requestApproval(deps: ApprovalDeps, form: URLSearchParams, options: ApprovalRequestOptions): Promise<ApprovedToken> {
  const signals = [options.signal, options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
  signal?.throwIfAborted();
  if (options.ping !== undefined) form.set('client_notification_token', options.ping.notificationToken);
  const acknowledged = await deps.backchannel(form);
  const authReqId = acknowledged['auth_req_id'];
  const expiresIn = acknowledged['expires_in'];
  if (typeof authReqId !== 'string' || authReqId === '' || typeof expiresIn !== 'number') throw new UnexpectedResponseError('ERR_BACKCHANNEL_RESPONSE_INVALID', 'the backchannel authentication response has no auth_req_id or expires_in', 200);
  let interval = typeof acknowledged['interval'] === 'number' && acknowledged['interval'] > 0 ? acknowledged['interval'] : 5;
  const pinged = options.ping?.wait(authReqId, signal);
  for (;;) {
    if (pinged !== undefined) await abortable(pinged, signal);
    else await abortable(deps.sleep(interval * 1000), signal);
    try {
      return await deps.token(new URLSearchParams({ grant_type: GRANT_CIBA, auth_req_id: authReqId }));
    } catch (error) {
      if (!(error instanceof OAuthClientError)) throw error;
      if (error.error === 'slow_down') interval += SLOW_DOWN_SECONDS;
      else if (error.error !== 'authorization_pending') throw error;
      // A ping came but the answer is not there yet (another node, a replayed callback): poll on.
      if (pinged !== undefined) await abortable(deps.sleep(interval * 1000), signal);
    }
  }
}

/**
 * POSTs an authenticated backchannel authentication request (CIBA Core 1.0 §7.1) to the endpoint
 * the metadata advertises; the JSON answer, or an `OAuthClientError`. Not retried: a request that
 * reached the server created an approval a person will see.
 */
export async function postBackchannelRequest(metadata: AuthorizationServerMetadata, form: URLSearchParams, doFetch: typeof fetch): Promise<Record<string, unknown>> {
  const endpoint = metadata['backchannel_authentication_endpoint'];
  if (typeof endpoint !== 'string') throw new TypeError('this server advertises no backchannel_authentication_endpoint: it does not support approvals');
  const response = await doFetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form, redirect: 'error' });
  const body = await readJsonObject(response);
  if (response.status !== 200) throw toOAuthError(body, response.status);
  return body;
}

/** `promise`, or the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
