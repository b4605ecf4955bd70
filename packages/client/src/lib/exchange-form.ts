import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN } from '@agentauth/protocol';
import type { ExchangeRequest } from '../agent-types.js';
import { checkTokenRequest } from './token-request.js';

/** agentauth's `task_id`: 1..128 of A-Z a-z 0-9 . _ : / - (docs/oauth.md). */
const TASK_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/**
 * Checks an exchange request before anything is sent (misuse throws `TypeError` at once) and
 * returns its resource and scope.
 */
export function checkExchangeRequest(request: ExchangeRequest): { resource: string | undefined; scope: string | undefined } {
  if (typeof request !== 'object' || request === null) throw new TypeError('exchange needs an object');
  if (typeof request.subjectToken !== 'string' || request.subjectToken === '') throw new TypeError('subjectToken must be a non-empty string');
  const checked = checkTokenRequest(request);
  if (request.taskId !== undefined && (typeof request.taskId !== 'string' || !TASK_ID.test(request.taskId))) {
    throw new TypeError('taskId must be 1..128 of A-Z a-z 0-9 . _ : / -');
  }
  return checked;
}

/**
 * The RFC 8693 §2.1 parameters of a checked exchange request; `actorToken` is this agent's own
 * token when it acts for another party (delegation), undefined when it narrows its own token.
 */
export function exchangeParameters(request: ExchangeRequest, actorToken: string | undefined): URLSearchParams {
  const form = new URLSearchParams();
  form.set('grant_type', GRANT_TOKEN_EXCHANGE);
  form.set('subject_token', request.subjectToken);
  form.set('subject_token_type', request.subjectTokenType ?? TOKEN_TYPE_ACCESS_TOKEN);
  form.set('requested_token_type', TOKEN_TYPE_ACCESS_TOKEN);
  if (request.taskId !== undefined) form.set('task_id', request.taskId);
  if (actorToken !== undefined) {
    form.set('actor_token', actorToken);
    form.set('actor_token_type', TOKEN_TYPE_ACCESS_TOKEN);
  }
  return form;
}
