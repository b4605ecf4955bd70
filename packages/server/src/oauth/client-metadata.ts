import { isPrivilegedScope, parseScope } from '@agentauth/protocol';
import type { JWK } from 'jose';
import { MALFORMED_SCOPE } from './grants/resolve-grant.js';
import { invalidClientMetadata, invalidRedirectUri } from './oauth-error.js';
import type { AgentWithCredentials, CreateAgentInput } from '../agents/agent-service.js';

/**
 * RFC 7591 §2 default `token_endpoint_auth_method` when the client names none. We follow the RFC,
 * not our own preference for `private_key_jwt`: a client that omits it expects a secret.
 */
export const REGISTRATION_DEFAULT_AUTH_METHOD = 'client_secret_basic';

/** Name given to a client that registers without `client_name` (RFC 7591 §2: it is optional). */
export const REGISTRATION_DEFAULT_NAME = 'dynamically registered client';

/**
 * Fields a client must never send in an RFC 7592 §2.2 update: the server assigns them.
 * (`client_id` must be sent, and must match; `client_secret`, if sent, must match.)
 */
export const SERVER_ASSIGNED_FIELDS = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'] as const;

/** What a registration falls back to for our extensions when the client does not send them. */
export interface RegistrationDefaults {
  /**
   * `owner` when none is sent: at registration the principal behind the initial access token
   * (`admin:bootstrap`, `admin:<agent id>`); at an RFC 7592 update, the owner the client has.
   */
  owner: string;
  /** `resources` when none is sent: the server's default resource (`AGENTAUTH_DEFAULT_RESOURCE`), if any. */
  resource: string | undefined;
}

/** Our extension fields a registration did not send and the server filled in. */
export type DefaultedField = 'owner' | 'resources';

/** The registry's input, and which fields were filled in by {@link RegistrationDefaults}. */
export interface ParsedClientMetadata {
  input: CreateAgentInput;
  defaulted: DefaultedField[];
}

/** Why a registration without `resources` and without a server default cannot be honoured. */
export const RESOURCES_REQUIRED =
  'resources is required: an array of the absolute URIs (RFC 8707 resource indicators) of the services this client may get tokens for; this server has no default resource';

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidClientMetadata(`${name} must be a string`);
  return value;
}

function stringArray(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalidClientMetadata(`${name} must be an array of strings`);
  return value as string[];
}

/**
 * Maps RFC 7591 §2 client metadata to the registry's input. Unknown members are ignored (RFC 7591
 * §2: "the authorization server MUST ignore any client metadata sent by the client that it does not
 * understand"), but a member we know with a value we do not support is an error rather than
 * silently dropped: `redirect_uris` and `response_types` (no redirect-based grant here), a grant type
 * or auth method we do not offer, a malformed `scope`. Omitted `grant_types` means
 * `client_credentials`, the only grant an agent registers for by default (the RFC's
 * `authorization_code` default does not exist here).
 *
 * Our extensions are filled in when absent, so that a client that knows only RFC 7591 gets a
 * working registration (RFC 7591 §2: the server "MAY ... substitute them with suitable values";
 * §3.2.1 returns what was registered):
 *
 * - `owner`: `defaults.owner`;
 * - `resources` (RFC 8707 audiences; absent or empty): `[defaults.resource]`, RFC 8707 §2's
 *   "pre-defined default resource value", recorded in the agent rather than applied at each token
 *   request so that the client's audiences are explicit and a later change of the server default
 *   widens no existing client. Without a server default the registration is refused, naming the
 *   field, unless every requested scope is privileged (their audience is the issuer, always implied).
 *
 * The registry service applies every other rule (field bounds, key validation, privileged scopes).
 */
export function parseClientMetadata(input: unknown, defaults: RegistrationDefaults): ParsedClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidClientMetadata('the request body must be a JSON object');
  const body = input as Record<string, unknown>;

  const redirectUris = body['redirect_uris'];
  if (redirectUris !== undefined && !(Array.isArray(redirectUris) && redirectUris.length === 0)) {
    // RFC 7591 §3.2.2: a redirection URI the server will not accept is invalid_redirect_uri.
    const text = 'redirect_uris must be absent or empty: no redirect-based grant is supported (client_credentials, token exchange, jwt-bearer)';
    throw invalidRedirectUri(text);
  }
  const responseTypes = body['response_types'];
  if (responseTypes !== undefined && !(Array.isArray(responseTypes) && responseTypes.length === 0)) {
    throw invalidClientMetadata('response_types must be absent or empty: no response type is supported');
  }

  const defaulted: DefaultedField[] = [];
  let owner = stringField(body, 'owner');
  if (owner === undefined) {
    owner = defaults.owner;
    defaulted.push('owner');
  }
  const input_: CreateAgentInput = {
    name: stringField(body, 'client_name') ?? REGISTRATION_DEFAULT_NAME,
    owner,
    tokenEndpointAuthMethod: stringField(body, 'token_endpoint_auth_method') ?? REGISTRATION_DEFAULT_AUTH_METHOD,
    grantTypes: stringArray(body, 'grant_types') ?? ['client_credentials'],
    scopes: [],
    resources: stringArray(body, 'resources') ?? [],
    jwksUri: stringField(body, 'jwks_uri') ?? null,
  };
  // RFC 8705 §2.1.2 and §3.4 client metadata.
  for (const [wire, field] of [
    ['tls_client_auth_san_uri', 'tlsClientAuthSanUri'],
    ['tls_client_auth_san_dns', 'tlsClientAuthSanDns'],
    ['tls_client_auth_subject_dn', 'tlsClientAuthSubjectDn'],
  ] as const) {
    const value = stringField(body, wire);
    if (value !== undefined) input_[field] = value;
  }
  const bound = body['tls_client_certificate_bound_access_tokens'];
  if (bound !== undefined) {
    if (typeof bound !== 'boolean') throw invalidClientMetadata('tls_client_certificate_bound_access_tokens must be a boolean');
    input_.tlsClientCertificateBoundAccessTokens = bound;
  }
  // RFC 9449 §5.2 client metadata.
  const dpopBound = body['dpop_bound_access_tokens'];
  if (dpopBound !== undefined) {
    if (typeof dpopBound !== 'boolean') throw invalidClientMetadata('dpop_bound_access_tokens must be a boolean');
    input_.dpopBoundAccessTokens = dpopBound;
  }
  // CIBA Core 1.0 §4 client metadata; the registry checks the values (validate-agent-input.ts).
  const deliveryMode = stringField(body, 'backchannel_token_delivery_mode');
  if (deliveryMode !== undefined) input_.backchannelTokenDeliveryMode = deliveryMode;
  const notificationEndpoint = stringField(body, 'backchannel_client_notification_endpoint');
  if (notificationEndpoint !== undefined) input_.backchannelClientNotificationEndpoint = notificationEndpoint;
  const scope = stringField(body, 'scope');
  if (scope !== undefined) {
    const scopes = parseScope(scope);
    if (scopes === undefined) throw invalidClientMetadata(MALFORMED_SCOPE);
    input_.scopes = scopes;
  }
  if (input_.resources === undefined || input_.resources.length === 0) {
    const onlyPrivileged = input_.scopes !== undefined && input_.scopes.length > 0 && input_.scopes.every(isPrivilegedScope);
    if (defaults.resource !== undefined) {
      input_.resources = [defaults.resource];
      defaulted.push('resources');
    } else if (!onlyPrivileged) {
      throw invalidClientMetadata(RESOURCES_REQUIRED);
    }
  }
  const jwks = body['jwks'];
  if (jwks !== undefined) {
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
      throw invalidClientMetadata('jwks must be a JWK Set: { "keys": [...] }');
    }
    input_.jwks = { keys: (jwks as { keys: unknown[] }).keys };
  }
  if (input_.jwks !== undefined && input_.tokenEndpointAuthMethod !== 'private_key_jwt' && input_.tokenEndpointAuthMethod !== 'self_signed_tls_client_auth') {
    throw invalidClientMetadata('jwks is only for token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth');
  }
  return { input: input_, defaulted };
}

/**
 * The RFC 7591 §3.2.1 / RFC 7592 §3 client information response: the client's identifier, the
 * credentials issued in this response (shown once; never readable again), the registration
 * endpoint of the client, and its effective metadata.
 */
export function clientInformation(
  { agent, credentials }: AgentWithCredentials,
  issuer: string,
  issued: { clientSecret?: string; registrationAccessToken?: string },
): Record<string, unknown> {
  const keys: JWK[] = credentials.flatMap((c) => (c.kind === 'jwk' ? [c.jwk] : []));
  return {
    client_id: agent.id,
    client_id_issued_at: Math.floor(agent.createdAt / 1000),
    ...(issued.clientSecret === undefined ? {} : { client_secret: issued.clientSecret, client_secret_expires_at: 0 }),
    ...(issued.registrationAccessToken === undefined ? {} : { registration_access_token: issued.registrationAccessToken }),
    registration_client_uri: `${issuer}/register/${agent.id}`,
    client_name: agent.name,
    owner: agent.owner,
    token_endpoint_auth_method: agent.tokenEndpointAuthMethod,
    grant_types: agent.grantTypes,
    response_types: [],
    ...(agent.scopes.length === 0 ? {} : { scope: agent.scopes.join(' ') }),
    resources: agent.resources,
    ...(agent.jwksUri === null ? {} : { jwks_uri: agent.jwksUri }),
    ...(agent.tlsClientAuthSanUri ? { tls_client_auth_san_uri: agent.tlsClientAuthSanUri } : {}),
    ...(agent.tlsClientAuthSanDns ? { tls_client_auth_san_dns: agent.tlsClientAuthSanDns } : {}),
    ...(agent.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: agent.tlsClientAuthSubjectDn } : {}),
    ...(agent.tlsClientCertificateBoundAccessTokens ? { tls_client_certificate_bound_access_tokens: true } : {}),
    ...(agent.dpopBoundAccessTokens === true ? { dpop_bound_access_tokens: true } : {}),
    ...(agent.backchannelTokenDeliveryMode ? { backchannel_token_delivery_mode: agent.backchannelTokenDeliveryMode } : {}),
    ...(agent.backchannelClientNotificationEndpoint ? { backchannel_client_notification_endpoint: agent.backchannelClientNotificationEndpoint } : {}),
    ...(keys.length === 0 ? {} : { jwks: { keys } }),
  };
}
