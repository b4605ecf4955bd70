import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import { standingFault } from '../../agents/agent-standing.js';
import { FormParameters } from '../form-parameters.js';
import { checkResourceSyntax } from '../grants/resolve-grant.js';
import { OAuthError, quoted } from '../oauth-error.js';
import { AuthorizationError } from './authorization-error.js';
import type { RequestContext } from './request-context.js';
import type { PublicClient } from './client-metadata-document.js';
import { ClientMetadataError } from './client-metadata-error.js';
import type { PublicClients } from './public-clients.js';
import { S256_CHALLENGE_PATTERN } from './pkce.js';
import { matchRedirectUri } from '../../net/redirect-uri.js';

/** Longest `state` carried back (RFC 6749 §4.1.1 leaves it open; every input is bounded). */
export const MAX_STATE_LENGTH = 512;

/** An authorization request that passed every check (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2). */
export interface AuthorizationRequest {
  client: PublicClient;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  resource: string;
  scopes: string[];
}

/** What reading a request needs: the public clients and the resources people may authorize. */
export interface AuthorizationRequestDeps {
  clients: Pick<PublicClients, 'get'>;
  /** RFC 8707 resources this server issues user tokens for (`authorizationResources`). */
  resources: readonly string[];
}

/**
 * Reads and checks an authorization request, in the order RFC 6749 §4.1.2.1 imposes: first the
 * client (registered, or described by its Client ID Metadata Document: a document that cannot be
 * fetched or breaks a rule is refused here) and the redirect URI, whose failure is shown to the
 * person and never redirected; then
 * everything else, whose failure goes back to the client's redirect URI. OAuth 2.1 rules, strictly:
 *
 * - no parameter repeated (RFC 6749 §3.1); `redirect_uri` required and matched exactly (RFC 8252
 *   §7.3: the port of a loopback IP redirect URI may vary);
 * - `response_type=code` only; PKCE with `code_challenge_method=S256` only: a missing challenge or
 *   `plain` is refused (OAuth 2.1 §4.1.1, RFC 7636 §4.4.1);
 * - exactly one `resource`, one of the configured resources (RFC 8707 §2, `invalid_target`);
 * - `scope` within the client's registered scopes, never an `agentauth:*` scope; omitted, the
 *   client's registered scopes.
 *
 * Does not check who the person is or their consent: that is the caller's next step.
 */
export async function readAuthorizationRequest(deps: AuthorizationRequestDeps, query: string, ctx: RequestContext): Promise<AuthorizationRequest> {
  const params = FormParameters.parse(query);
  if (params instanceof OAuthError) throw new AuthorizationError('invalid_request', params.description, false, params.detail);
  const repeated = params.getAll('resource').length > 1;
  const clientId = params.get('client_id');
  if (clientId === undefined || clientId.length === 0) throw new AuthorizationError('invalid_request', 'client_id is required', false);
  const client = await clientOf(deps, clientId, ctx);
  if (client === undefined) throw new AuthorizationError('invalid_request', 'client_id names no registered client', false, `unknown client_id ${quoted(clientId, 80)}`);
  const redirectUri = params.get('redirect_uri');
  if (redirectUri === undefined) throw new AuthorizationError('invalid_request', 'redirect_uri is required', false);
  if (!matchRedirectUri(client.redirectUris, redirectUri)) {
    throw new AuthorizationError('invalid_request', 'redirect_uri is not one of the redirect URIs registered for this client', false, `redirect_uri mismatch ${quoted(redirectUri, 200)}`);
  }

  // From here on, errors go back to the client (RFC 6749 §4.1.2.1).
  const fail = (code: ConstructorParameters<typeof AuthorizationError>[0], description: string, detail?: string) => new AuthorizationError(code, description, true, detail);
  const state = params.get('state');
  if (state !== undefined && state.length > MAX_STATE_LENGTH) throw fail('invalid_request', `state must be at most ${MAX_STATE_LENGTH} characters`);
  const request = { client, redirectUri, state };
  try {
    const responseType = params.get('response_type');
    if (responseType !== 'code') throw fail('unsupported_response_type', 'response_type must be code', `response_type ${quoted(responseType ?? '', 40)}`);
    const method = params.get('code_challenge_method');
    const challenge = params.get('code_challenge');
    if (challenge === undefined) throw fail('invalid_request', 'code_challenge is required (PKCE, RFC 7636 §4.3; OAuth 2.1 §4.1.1)');
    if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)', `code_challenge_method ${quoted(method ?? '(absent)', 40)}`);
    if (!S256_CHALLENGE_PATTERN.test(challenge)) throw fail('invalid_request', 'code_challenge must be 43 base64url characters (RFC 7636 §4.2)');
    if (repeated) throw fail('invalid_target', 'exactly one resource may be requested');
    const resource = params.get('resource');
    if (resource === undefined) throw fail('invalid_target', 'resource is required (RFC 8707 §2)');
    try {
      checkResourceSyntax(resource);
    } catch (error) {
      if (error instanceof OAuthError) throw fail('invalid_target', error.description, error.detail);
      throw error;
    }
    if (!deps.resources.includes(resource)) throw fail('invalid_target', `resource ${quoted(resource, 200)} is not a resource this server issues tokens for`);
    const scopes = readScopes(params.get('scope'), client, fail);
    return { ...request, codeChallenge: challenge, resource, scopes };
  } catch (error) {
    if (error instanceof AuthorizationError) throw Object.assign(error, { request });
    throw error;
  }
}

/** The client's redirect URI and state, attached to a redirectable refusal so the caller can send it back. */
export function requestOf(error: AuthorizationError): Pick<AuthorizationRequest, 'client' | 'redirectUri' | 'state'> | undefined {
  return (error as AuthorizationError & { request?: Pick<AuthorizationRequest, 'client' | 'redirectUri' | 'state'> }).request;
}

/**
 * The client, or an error page: a document's refusal names the rule it broke (draft §4.3: abort
 * the request); an agent that is not active (suspended, disabled) is a client identifier that is
 * not valid now (RFC 6749 §4.1.2.1: inform the person, never redirect to it).
 */
async function clientOf(deps: AuthorizationRequestDeps, clientId: string, ctx: RequestContext): Promise<PublicClient | undefined> {
  try {
    const client = await deps.clients.get(clientId, ctx);
    const fault = client?.agent === undefined ? undefined : standingFault(client.agent);
    if (fault !== undefined) throw new AuthorizationError('unauthorized_client', 'this client may not ask for authorization now', false, `agent ${quoted(clientId, 80)} ${fault}`);
    return client;
  } catch (error) {
    if (error instanceof ClientMetadataError) throw new AuthorizationError('invalid_request', error.description, false, `client metadata document of ${quoted(clientId, 200)} refused: ${error.message}`);
    throw error;
  }
}

function readScopes(scope: string | undefined, client: PublicClient, fail: (code: 'invalid_scope', description: string) => AuthorizationError): string[] {
  if (scope === undefined) return [...client.scopes];
  const requested = parseScope(scope);
  if (requested === undefined) throw fail('invalid_scope', 'scope must be scope-tokens separated by single spaces (RFC 6749 §3.3)');
  const scopes = [...new Set(requested)];
  for (const s of scopes) {
    if (isPrivilegedScope(s)) throw fail('invalid_scope', `scope ${quoted(s)}: agentauth:* scopes are never granted to people's clients`);
    if (!client.scopes.includes(s)) throw fail('invalid_scope', `scope ${quoted(s)} is not one of the scopes this client registered`);
  }
  return scopes;
}
