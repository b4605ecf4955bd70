import {
  CIBA_DELIVERY_MODES,
  CLIENT_AUTH_METHODS,
  GRANT_CLIENT_CREDENTIALS,
  GRANT_TYPES,
  SCOPE_TOKEN_PATTERN,
  type CibaDeliveryMode,
  type ClientAuthMethod,
  type GrantType,
} from '@agentauth/protocol';
import { parseDistinguishedName } from '../der/distinguished-name.js';
import type { AgentRecord } from '../store/records.js';
import { invalid } from './agent-error.js';
import { MAX_REDIRECT_URIS, redirectUriProblem } from '../net/redirect-uri.js';
import { RESOURCE_URI_RULE, URI_MAX_LENGTH, uriProblem } from '../net/uri-rule.js';

/** Bounds on every field: every input is bounded. */
export const AGENT_LIMITS = {
  nameMax: 200,
  ownerMax: 200,
  descriptionMax: 2000,
  labelsMax: 50,
  labelValueMax: 256,
  scopesMax: 100,
  scopeMax: 256,
  resourcesMax: 50,
  uriMax: URI_MAX_LENGTH,
  accessTokenTtlMin: 10,
  accessTokenTtlMax: 86_400,
  credentialsMax: 20,
} as const;

/** Label keys: lower-case, Kubernetes-like, so filters are unambiguous. */
export const LABEL_KEY_PATTERN = /^[a-z0-9_./-]{1,63}$/;

/**
 * The agent's settable fields, validated and normalised: the record's, with the RFC 8705 subject
 * (§2.1.2: for `tls_client_auth` exactly one of the three is set) and §3.4 binding always present.
 * `dpopBoundAccessTokens` (RFC 9449 §5.2) is always set by `validateAgentFields`.
 */
export type AgentFields = Pick<AgentRecord, 'name' | 'owner' | 'description' | 'scopes' | 'resources' | 'grantTypes' | 'tokenEndpointAuthMethod' | 'accessTokenTtl' | 'labels' | 'jwksUri' | 'dpopBoundAccessTokens' | 'backchannelTokenDeliveryMode' | 'backchannelClientNotificationEndpoint' | 'redirectUris'> &
  Required<Pick<AgentRecord, TlsFieldName>>;

/** The RFC 8705 fields, optional on stored records (rows.ts) and required once validated. */
type TlsFieldName = 'tlsClientAuthSanUri' | 'tlsClientAuthSanDns' | 'tlsClientAuthSubjectDn' | 'tlsClientCertificateBoundAccessTokens';

/** What a caller may send: any subset, unvalidated beyond JavaScript types. */
export interface AgentFieldsInput {
  name?: string;
  owner?: string;
  description?: string;
  scopes?: readonly string[];
  resources?: readonly string[];
  grantTypes?: readonly string[];
  tokenEndpointAuthMethod?: string;
  accessTokenTtl?: number | null;
  labels?: Readonly<Record<string, string>>;
  jwksUri?: string | null;
  tlsClientAuthSanUri?: string | null;
  tlsClientAuthSanDns?: string | null;
  tlsClientAuthSubjectDn?: string | null;
  tlsClientCertificateBoundAccessTokens?: boolean;
  dpopBoundAccessTokens?: boolean;
  backchannelTokenDeliveryMode?: string | null;
  backchannelClientNotificationEndpoint?: string | null;
  redirectUris?: readonly string[];
}

/** Defaults of a new agent: client_credentials with private_key_jwt (RFC 7523 §2.2), nothing granted. */
export const AGENT_DEFAULTS: Omit<AgentFields, 'name' | 'owner'> = {
  description: '',
  scopes: [],
  resources: [],
  grantTypes: [GRANT_CLIENT_CREDENTIALS],
  tokenEndpointAuthMethod: 'private_key_jwt',
  accessTokenTtl: null,
  labels: {},
  jwksUri: null,
  tlsClientAuthSanUri: null,
  tlsClientAuthSanDns: null,
  tlsClientAuthSubjectDn: null,
  tlsClientCertificateBoundAccessTokens: false,
  dpopBoundAccessTokens: false,
};

/**
 * Applies `input` over `base` and validates every field given. Throws `AgentError`
 * (`validation_failed`) naming the first field that breaks a rule. Cross-field rules (privileged
 * scopes, `jwks` against `jwks_uri`) are the service's.
 */
export function validateAgentFields(input: AgentFieldsInput, base: Omit<AgentFields, TlsFieldName> & Partial<Pick<AgentFields, TlsFieldName>>): AgentFields {
  const out: AgentFields = {
    ...base,
    tlsClientAuthSanUri: base.tlsClientAuthSanUri ?? null,
    tlsClientAuthSanDns: base.tlsClientAuthSanDns ?? null,
    tlsClientAuthSubjectDn: base.tlsClientAuthSubjectDn ?? null,
    tlsClientCertificateBoundAccessTokens: base.tlsClientCertificateBoundAccessTokens ?? false,
  };
  if (input.name !== undefined) out.name = boundedText('name', input.name, 1, AGENT_LIMITS.nameMax);
  if (input.owner !== undefined) out.owner = boundedText('owner', input.owner, 1, AGENT_LIMITS.ownerMax);
  if (input.description !== undefined) out.description = boundedText('description', input.description, 0, AGENT_LIMITS.descriptionMax);
  if (input.scopes !== undefined) out.scopes = validateScopes(input.scopes);
  if (input.resources !== undefined) out.resources = validateResources(input.resources);
  if (input.grantTypes !== undefined) out.grantTypes = validateGrantTypes(input.grantTypes);
  if (input.tokenEndpointAuthMethod !== undefined) {
    if (!(CLIENT_AUTH_METHODS as readonly string[]).includes(input.tokenEndpointAuthMethod)) {
      throw invalid(`token_endpoint_auth_method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
    }
    out.tokenEndpointAuthMethod = input.tokenEndpointAuthMethod as ClientAuthMethod;
  }
  if (input.accessTokenTtl !== undefined) out.accessTokenTtl = validateTtl(input.accessTokenTtl);
  if (input.labels !== undefined) out.labels = validateLabels(input.labels);
  if (input.jwksUri !== undefined) out.jwksUri = input.jwksUri === null ? null : validateJwksUri(input.jwksUri);
  if (input.tlsClientAuthSanUri !== undefined) out.tlsClientAuthSanUri = nullable(input.tlsClientAuthSanUri, validateSanUri);
  if (input.tlsClientAuthSanDns !== undefined) out.tlsClientAuthSanDns = nullable(input.tlsClientAuthSanDns, validateSanDns);
  if (input.tlsClientAuthSubjectDn !== undefined) out.tlsClientAuthSubjectDn = nullable(input.tlsClientAuthSubjectDn, validateSubjectDn);
  if (input.tlsClientCertificateBoundAccessTokens !== undefined) {
    if (typeof input.tlsClientCertificateBoundAccessTokens !== 'boolean') throw invalid('tls_client_certificate_bound_access_tokens must be a boolean');
    out.tlsClientCertificateBoundAccessTokens = input.tlsClientCertificateBoundAccessTokens;
  }
  if (input.dpopBoundAccessTokens !== undefined && typeof input.dpopBoundAccessTokens !== 'boolean') throw invalid('dpop_bound_access_tokens must be a boolean');
  out.dpopBoundAccessTokens = input.dpopBoundAccessTokens ?? base.dpopBoundAccessTokens ?? false;
  if (input.backchannelTokenDeliveryMode !== undefined) {
    const mode = input.backchannelTokenDeliveryMode;
    if (mode !== null && !(CIBA_DELIVERY_MODES as readonly string[]).includes(mode)) throw invalid(`backchannel_token_delivery_mode must be one of ${CIBA_DELIVERY_MODES.join(', ')} (push is not supported)`);
    out.backchannelTokenDeliveryMode = mode as CibaDeliveryMode | null;
  }
  if (input.backchannelClientNotificationEndpoint !== undefined) {
    const endpoint = input.backchannelClientNotificationEndpoint;
    if (endpoint !== null) checkUri('backchannel_client_notification_endpoint', endpoint, true);
    out.backchannelClientNotificationEndpoint = endpoint;
  }
  if (input.redirectUris !== undefined) out.redirectUris = validateRedirectUris(input.redirectUris);
  // CIBA Core 1.0 §4: ping mode needs the endpoint its callbacks go to.
  if (out.backchannelTokenDeliveryMode === 'ping' && (out.backchannelClientNotificationEndpoint ?? null) === null) {
    throw invalid('backchannel_client_notification_endpoint is required with backchannel_token_delivery_mode ping (CIBA Core 1.0 section 4)');
  }
  return out;
}

function nullable(value: string | null, validate: (value: string) => string): string | null {
  return value === null ? null : validate(value);
}

/** RFC 8705 §2.1.2 `tls_client_auth_san_uri`: an absolute URI (e.g. a SPIFFE ID), matched exactly. */
function validateSanUri(value: string): string {
  if (typeof value !== 'string' || value.length > AGENT_LIMITS.uriMax || /\s/.test(value) || !URL.canParse(value)) {
    throw invalid(`tls_client_auth_san_uri must be an absolute URI of at most ${AGENT_LIMITS.uriMax} characters`);
  }
  return value;
}

// RFC 1123 host name, optionally a leading wildcard label as certificates carry them (RFC 6125 §6.4.3).
const DNS_NAME = /^(?=.{1,253}$)(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** RFC 8705 §2.1.2 `tls_client_auth_san_dns`: a DNS name, matched case-insensitively and literally. */
function validateSanDns(value: string): string {
  if (typeof value !== 'string' || !DNS_NAME.test(value)) throw invalid('tls_client_auth_san_dns must be a DNS name');
  return value;
}

/** RFC 8705 §2.1.2 `tls_client_auth_subject_dn`: an RFC 4514 string. */
function validateSubjectDn(value: string): string {
  if (typeof value !== 'string' || parseDistinguishedName(value) === undefined) {
    throw invalid('tls_client_auth_subject_dn must be an RFC 4514 distinguished name (e.g. "CN=agent-1,O=Example")');
  }
  return value;
}

function boundedText(field: string, value: string, min: number, max: number): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  // Control characters in a name or owner would forge lines in logs and consoles.
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/.test(value)) throw invalid(`${field} must not contain control characters`);
  if (field !== 'description' && value.trim() !== value) throw invalid(`${field} must not start or end with whitespace`);
  if (value.length < min || value.length > max) throw invalid(`${field} must be ${min}..${max} characters`);
  return value;
}

/** RFC 6749 §3.3 scope-tokens; duplicates collapse, order is kept. */
export function validateScopes(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes)) throw invalid('scopes must be an array');
  const unique = [...new Set(scopes)];
  if (unique.length > AGENT_LIMITS.scopesMax) throw invalid(`scopes must hold at most ${AGENT_LIMITS.scopesMax} entries`);
  for (const scope of unique) {
    if (typeof scope !== 'string' || scope.length > AGENT_LIMITS.scopeMax || !SCOPE_TOKEN_PATTERN.test(scope)) {
      throw invalid('scopes must be RFC 6749 §3.3 scope-tokens (printable ASCII, no space, quote or backslash)');
    }
  }
  return unique;
}

/**
 * RFC 8707 §2: absolute URIs without fragment; https, or http on loopback only (ARCHITECTURE.md,
 * Security rules).
 */
export function validateResources(resources: readonly string[]): string[] {
  if (!Array.isArray(resources)) throw invalid('resources must be an array');
  const unique = [...new Set(resources)];
  if (unique.length > AGENT_LIMITS.resourcesMax) throw invalid(`resources must hold at most ${AGENT_LIMITS.resourcesMax} entries`);
  for (const resource of unique) {
    const problem = uriProblem('resources', resource, RESOURCE_URI_RULE);
    if (problem !== undefined) throw invalid(problem);
  }
  return unique;
}

/**
 * RFC 6749 §3.1.2 redirect URIs of an agent, the confidential client of the authorization code
 * flow: the rule of every public client's (`redirectUriProblem`: absolute, no fragment, no user
 * information, `http` only on a loopback IP literal per RFC 8252 §7.3), and `https` or `http` only:
 * a private-use scheme (RFC 8252 §7.1) is a native app's, and a native app is a public client.
 * Duplicates collapse; an empty list removes them all.
 */
export function validateRedirectUris(uris: readonly string[]): string[] {
  if (!Array.isArray(uris)) throw invalid('redirect_uris must be an array');
  const unique = [...new Set(uris)];
  if (unique.length > MAX_REDIRECT_URIS) throw invalid(`redirect_uris must hold at most ${MAX_REDIRECT_URIS} entries`);
  for (const uri of unique) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) throw invalid(`redirect_uris: ${problem}`);
    if (!/^https?:/.test(uri)) throw invalid('redirect_uris: an agent\'s redirect URI must be https, or http on 127.0.0.1 or [::1] (RFC 8252 §7.3)');
  }
  return unique;
}

/** RFC 7591 §2 `jwks_uri`: https only, because the keys it serves are trusted for authentication. */
export function validateJwksUri(uri: string): string {
  checkUri('jwks_uri', uri, false);
  return uri;
}

function checkUri(field: string, value: string, allowLoopbackHttp: boolean): void {
  const problem = uriProblem(field, value, { maxLength: AGENT_LIMITS.uriMax, allowLoopbackHttp });
  if (problem !== undefined) throw invalid(problem);
}

function validateGrantTypes(grantTypes: readonly string[]): GrantType[] {
  if (!Array.isArray(grantTypes) || grantTypes.length === 0) throw invalid('grant_types must be a non-empty array');
  const unique = [...new Set(grantTypes)];
  for (const grant of unique) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) throw invalid(`grant_types must be drawn from ${GRANT_TYPES.join(', ')}`);
  }
  return unique as GrantType[];
}

function validateTtl(ttl: number | null): number | null {
  if (ttl === null) return null;
  if (!Number.isInteger(ttl) || ttl < AGENT_LIMITS.accessTokenTtlMin || ttl > AGENT_LIMITS.accessTokenTtlMax) {
    throw invalid(`access_token_ttl must be null or an integer of ${AGENT_LIMITS.accessTokenTtlMin}..${AGENT_LIMITS.accessTokenTtlMax} seconds`);
  }
  return ttl;
}

function validateLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw invalid('labels must be an object');
  const entries = Object.entries(labels);
  if (entries.length > AGENT_LIMITS.labelsMax) throw invalid(`labels must hold at most ${AGENT_LIMITS.labelsMax} pairs`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY_PATTERN.test(key)) throw invalid('label keys must match [a-z0-9_./-]{1,63}');
    if (typeof value !== 'string' || value.length > AGENT_LIMITS.labelValueMax) throw invalid(`label values must be strings of at most ${AGENT_LIMITS.labelValueMax} characters`);
  }
  // fromEntries defines own properties, so a key like "__proto__" cannot touch the prototype.
  return Object.fromEntries(entries);
}
