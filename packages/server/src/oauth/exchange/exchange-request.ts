import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_API_KEY, TOKEN_TYPE_JWT, TOKEN_TYPE_REFRESH_TOKEN } from '@agentauth/protocol';
import { AGENT_ID_PATTERN } from '../../agents/agent-ids.js';
import type { FormParameters } from '../form-parameters.js';
import { invalidRequest } from '../oauth-error.js';

/** The parameters of one RFC 8693 §2.1 token exchange request, checked for form only. */
export interface ExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  actorToken?: { token: string; type: string };
  /** RFC 8707 `resource` and RFC 8693 `audience` values, in order, duplicates kept. */
  resources: readonly string[];
  audiences: readonly string[];
  scope?: string;
  /** agentauth extension `expires_in`: requested lifetime, seconds. */
  expiresIn?: number;
  /** agentauth extension `task_id`. */
  taskId?: string;
  /** agentauth extension `may_act`: the agent id that alone may exchange the issued token. */
  mayAct?: string;
}

/** Token types a `subject_token` or `actor_token` may be (RFC 8693 §3); both name our access tokens. */
export const EXCHANGEABLE_TOKEN_TYPES: readonly string[] = [TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT];
/** A `subject_token` may also be a managed API key (docs/migration.md); an actor never is. */
const SUBJECT_TOKEN_TYPES: readonly string[] = [...EXCHANGEABLE_TOKEN_TYPES, TOKEN_TYPE_API_KEY];

/** Longest `expires_in` accepted: one day, the longest any access token of ours may live. */
const MAX_EXPIRES_IN = 86_400;
/** `task_id`: a short printable identifier, safe in a claim, a log line and an audit record. */
const TASK_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/**
 * Reads a token exchange request (RFC 8693 §2.1) strictly. Every failure is `invalid_request`,
 * the code RFC 8693 §2.2.2 requires when "the request itself is not valid":
 *
 * - `subject_token` and `subject_token_type` are REQUIRED;
 * - `actor_token` and `actor_token_type`: "REQUIRED when the actor_token parameter is present ...
 *   MUST NOT be included otherwise" — both or neither;
 * - a refresh token is never a subject or actor here (we issue none, RFC 8693 §2.2.1), and a type
 *   other than `access_token` / `jwt` (and for the subject, a managed API key) is unsupported;
 * - `requested_token_type`, when present, must be `access_token`: the only type we issue;
 * - the agentauth extensions `expires_in` (1..86400), `task_id` and `may_act` are bounded.
 */
export function readExchangeRequest(form: FormParameters): ExchangeRequest {
  const subjectToken = form.get('subject_token');
  const subjectTokenType = form.get('subject_token_type');
  if (subjectToken === undefined) throw invalidRequest('subject_token missing');
  if (subjectTokenType === undefined) throw invalidRequest('subject_token_type missing');
  checkTokenType('subject_token_type', subjectTokenType, SUBJECT_TOKEN_TYPES);

  const actorToken = form.get('actor_token');
  const actorTokenType = form.get('actor_token_type');
  if (actorToken !== undefined && actorTokenType === undefined) throw invalidRequest('actor_token without actor_token_type');
  if (actorToken === undefined && actorTokenType !== undefined) throw invalidRequest('actor_token_type without actor_token');
  if (actorTokenType !== undefined) checkTokenType('actor_token_type', actorTokenType, EXCHANGEABLE_TOKEN_TYPES);

  const requested = form.get('requested_token_type');
  if (requested !== undefined && requested !== TOKEN_TYPE_ACCESS_TOKEN) throw invalidRequest(`requested_token_type not issued: ${requested.slice(0, 80)}`);

  const request: ExchangeRequest = { subjectToken, subjectTokenType, resources: form.getAll('resource'), audiences: form.getAll('audience') };
  if (actorToken !== undefined && actorTokenType !== undefined) request.actorToken = { token: actorToken, type: actorTokenType };
  const scope = form.get('scope');
  if (scope !== undefined) request.scope = scope;

  const expiresIn = form.get('expires_in');
  if (expiresIn !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(expiresIn) || Number(expiresIn) > MAX_EXPIRES_IN) throw invalidRequest('expires_in is not an integer from 1 to 86400');
    request.expiresIn = Number(expiresIn);
  }
  const taskId = form.get('task_id');
  if (taskId !== undefined) {
    if (!TASK_ID.test(taskId)) throw invalidRequest('task_id is not 1 to 128 characters of A-Z a-z 0-9 . _ : / -');
    request.taskId = taskId;
  }
  const mayAct = form.get('may_act');
  if (mayAct !== undefined) {
    if (!AGENT_ID_PATTERN.test(mayAct)) throw invalidRequest('may_act is not an agent id');
    request.mayAct = mayAct;
  }
  return request;
}

function checkTokenType(name: string, type: string, allowed: readonly string[]): void {
  if (type === TOKEN_TYPE_REFRESH_TOKEN) throw invalidRequest(`${name}: a refresh token cannot be exchanged here`);
  if (!allowed.includes(type)) throw invalidRequest(`${name} not supported: ${type.slice(0, 80)}`);
}
