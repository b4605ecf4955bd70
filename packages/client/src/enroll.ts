import type { JWK } from 'jose';

import { checkIssuer } from './lib/endpoint-url.js';
import { readJsonObject } from './lib/read-json.js';
import { fetchRetryable } from './lib/retry.js';
import { toOAuthError } from './lib/token-response.js';
import { UnexpectedResponseError } from './unexpected-response-error.js';

/** Options of {@link enroll}. */
export interface EnrollOptions {
  issuer: string;
  /** The one-time token from `agentauth agents enroll-token ID`. Never logged, never in an error. */
  enrollmentToken: string;
  /** The PUBLIC JWK to register (with its `kid`). */
  publicJwk: JWK;
  fetch?: typeof fetch;
}

/** What the server answers to a successful enrolment. */
export interface EnrollResult {
  clientId: string;
  kid: string;
  credentialId: string;
}

const TOKEN_PATTERN = /^aaenr_[A-Za-z0-9_-]{43}$/;

/** `POST <issuer>/enroll`: agentauth's enrolment endpoint (docs/agent-sdk.md). */
export function enrollmentEndpoint(issuer: string): URL {
  const url = checkIssuer(issuer);
  return new URL(`${url.pathname.replace(/\/$/, '')}/enroll`, url.origin);
}

/**
 * Registers a locally generated public key with a one-time enrolment token (agentauth's `POST
 * /enroll`). The token is consumed whatever happens next: store the answer (`clientId`, `kid`)
 * with the private key before using it. A used, expired or unknown token is an
 * OAuthClientError `invalid_grant`.
 *
 * Throws TypeError when the token does not look like one agentauth issues or `publicJwk` holds a
 * private member (a private key must never be sent). Network failures and 5xx throw
 * `RetryableError` (not retried here: a retry after a lost answer would meet a used token).
 */
export async function enroll(options: EnrollOptions): Promise<EnrollResult> {
  const endpoint = enrollmentEndpoint(options.issuer);
  if (typeof options.enrollmentToken !== 'string' || !TOKEN_PATTERN.test(options.enrollmentToken)) {
    throw new TypeError('enrollmentToken is not an agentauth enrolment token (aaenr_...)');
  }
  const jwk = options.publicJwk as Record<string, unknown>;
  if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((m) => m in jwk)) throw new TypeError('publicJwk must be a public key');
  const response = await fetchRetryable(options.fetch ?? fetch, endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ enrollment_token: options.enrollmentToken, jwk }),
    redirect: 'error',
  });
  const body = await readJsonObject(response);
  if (response.status !== 200) throw toOAuthError(body, response.status);
  const { client_id: clientId, kid, credential_id: credentialId } = body;
  if (typeof clientId !== 'string' || typeof kid !== 'string' || typeof credentialId !== 'string') {
    throw new UnexpectedResponseError('ERR_UNEXPECTED_STATUS', 'the enrolment response lacks client_id, kid or credential_id', response.status);
  }
  return { clientId, kid, credentialId };
}
