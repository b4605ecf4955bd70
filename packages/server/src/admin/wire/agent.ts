import { CIBA_DELIVERY_MODES, CLIENT_AUTH_METHODS, GRANT_TYPES } from '@agentauth/protocol';
import { Type, type Static } from 'typebox';
import { AGENT_ID_PATTERN, CREDENTIAL_ID_PATTERN } from '../../agents/agent-ids.js';
import { AGENT_LIMITS, LABEL_KEY_PATTERN } from '../../agents/validate-agent-input.js';
import { MAX_REDIRECT_URI_LENGTH, MAX_REDIRECT_URIS } from '../../net/redirect-uri.js';
import { Const, Enum, JsonObject, NullableTime, Page, pagination, StringEnum, StringMap, Time } from './primitives.js';

/**
 * The agent and its credentials on the admin API's wire (docs/admin-api.md, "Agent", "Agent
 * rules", "Credentials"). The schemas bound what they can; the registry service checks every rule
 * they cannot express (scope syntax, URI schemes, exactly one TLS subject, key material).
 */

/** An agent id in a path or a filter. */
export const AgentId = Type.String({ pattern: AGENT_ID_PATTERN.source });
const CredentialId = Type.String({ pattern: CREDENTIAL_ID_PATTERN.source });
const Uri = Type.String({ minLength: 1, maxLength: AGENT_LIMITS.uriMax });
const Name = Type.String({ minLength: 1, maxLength: AGENT_LIMITS.nameMax });
const Owner = Type.String({ minLength: 1, maxLength: AGENT_LIMITS.ownerMax });

/** The statuses of an agent's lifecycle. */
export const AGENT_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** A JWK as sent: an object whose content the service checks (public members only). */
const Jwk = JsonObject({ maxProperties: 32 });

/** The members an agent's create and update bodies share, besides `name` and `owner`. */
const agentFields = {
  description: Type.Optional(Type.String({ maxLength: AGENT_LIMITS.descriptionMax })),
  scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: AGENT_LIMITS.scopeMax }), { maxItems: AGENT_LIMITS.scopesMax })),
  resources: Type.Optional(Type.Array(Uri, { maxItems: AGENT_LIMITS.resourcesMax })),
  grant_types: Type.Optional(Type.Array(StringEnum(GRANT_TYPES), { minItems: 1, maxItems: GRANT_TYPES.length })),
  token_endpoint_auth_method: Type.Optional(StringEnum(CLIENT_AUTH_METHODS)),
  access_token_ttl: Type.Optional(Type.Union([Type.Integer({ minimum: AGENT_LIMITS.accessTokenTtlMin, maximum: AGENT_LIMITS.accessTokenTtlMax }), Type.Null()])),
  labels: Type.Optional(
    StringMap(Type.String({ maxLength: AGENT_LIMITS.labelValueMax }), { maxProperties: AGENT_LIMITS.labelsMax, propertyNames: { pattern: LABEL_KEY_PATTERN.source } }),
  ),
  jwks_uri: Type.Optional(Type.Union([Uri, Type.Null()])),
  // RFC 8705 §2.1.2 and §3.4; the service checks the syntax and that exactly one subject is set.
  tls_client_auth_san_uri: Type.Optional(Type.Union([Uri, Type.Null()])),
  tls_client_auth_san_dns: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 253 }), Type.Null()])),
  tls_client_auth_subject_dn: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1024 }), Type.Null()])),
  tls_client_certificate_bound_access_tokens: Type.Optional(Type.Boolean()),
  // RFC 9449 §5.2
  dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
  // CIBA Core 1.0 §4; the service checks the endpoint's URI rule and that ping names one.
  backchannel_token_delivery_mode: Type.Optional(Type.Union([StringEnum(CIBA_DELIVERY_MODES), Type.Null()])),
  backchannel_client_notification_endpoint: Type.Optional(Type.Union([Uri, Type.Null()])),
  // RFC 6749 §3.1.2: the authorization code flow's redirect URIs; the service checks each one's rule.
  redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: MAX_REDIRECT_URI_LENGTH }), { maxItems: MAX_REDIRECT_URIS })),
};

/** `POST /agents` body. */
export const CreateAgentRequest = Type.Object(
  {
    name: Name,
    owner: Owner,
    ...agentFields,
    jwks: Type.Optional(Type.Object({ keys: Type.Array(Jwk, { maxItems: AGENT_LIMITS.credentialsMax }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type CreateAgentRequest = Static<typeof CreateAgentRequest>;

/** `PATCH /agents/{id}` body: any subset of the agent's fields. */
export const UpdateAgentRequest = Type.Object(
  { name: Type.Optional(Name), owner: Type.Optional(Owner), ...agentFields },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAgentRequest = Static<typeof UpdateAgentRequest>;

/** `POST /agents/{id}/credentials` body: a public JWK, or a request for a generated secret. */
const JwkCredentialRequest = Type.Object({ type: Const('jwk'), jwk: Jwk }, { additionalProperties: false });
const SecretCredentialRequest = Type.Object({ type: Const('secret') }, { additionalProperties: false });
export const AddCredentialRequest = Type.Unsafe<Static<typeof JwkCredentialRequest> | Static<typeof SecretCredentialRequest>>({
  oneOf: [JwkCredentialRequest, SecretCredentialRequest],
});
export type AddCredentialRequest = Static<typeof AddCredentialRequest>;

/** Path parameters of `/agents/{id}...`. */
export const AgentParams = Type.Object({ id: AgentId }, { additionalProperties: false });

/** Path parameters of `/agents/{id}/credentials/{credential_id}`. */
export const CredentialParams = Type.Object({ id: AgentId, credential_id: CredentialId }, { additionalProperties: false });

/** `GET /agents` query. */
export const ListAgentsQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(AGENT_STATUSES)),
    owner: Type.Optional(Owner),
    name: Type.Optional(Name),
    label: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 + AGENT_LIMITS.labelValueMax, pattern: '^[a-z0-9_./-]{1,63}=' }), { maxItems: AGENT_LIMITS.labelsMax }),
    ),
    ...pagination,
  },
  { additionalProperties: false },
);
export type ListAgentsQuery = Static<typeof ListAgentsQuery>;

/** A credential as the admin API shows it: never the secret, nor its hash. */
export const Credential = Type.Object({
  id: Type.String(),
  type: Enum(['jwk', 'secret']),
  kid: Type.Optional(Type.String()),
  created_at: Time,
  expires_at: NullableTime,
});
export type Credential = Static<typeof Credential>;

/** An agent as the admin API shows it; the registration access token's hash is never shown. */
export const Agent = Type.Object({
  id: Type.String(),
  client_id: Type.String(),
  name: Type.String(),
  owner: Type.String(),
  description: Type.String(),
  status: Enum(AGENT_STATUSES),
  scopes: Type.Array(Type.String()),
  resources: Type.Array(Type.String()),
  grant_types: Type.Array(StringEnum(GRANT_TYPES)),
  token_endpoint_auth_method: StringEnum(CLIENT_AUTH_METHODS),
  access_token_ttl: Type.Union([Type.Integer(), Type.Null()]),
  labels: StringMap(Type.String()),
  jwks_uri: Type.Union([Type.String(), Type.Null()]),
  // RFC 8705 §2.1.2: only the subject that is set is present.
  tls_client_auth_san_uri: Type.Optional(Type.String()),
  tls_client_auth_san_dns: Type.Optional(Type.String()),
  tls_client_auth_subject_dn: Type.Optional(Type.String()),
  // RFC 8705 §3.4
  tls_client_certificate_bound_access_tokens: Type.Boolean(),
  // RFC 9449 §5.2
  dpop_bound_access_tokens: Type.Boolean(),
  // CIBA Core 1.0 §4: present only when set.
  backchannel_token_delivery_mode: Type.Optional(StringEnum(CIBA_DELIVERY_MODES)),
  backchannel_client_notification_endpoint: Type.Optional(Type.String()),
  // RFC 6749 §3.1.2: present only when the agent has any (docs/oauth.md, agents as clients of the authorization code flow).
  redirect_uris: Type.Optional(Type.Array(Type.String())),
  credentials: Type.Array(Credential),
  created_at: Time,
  updated_at: Time,
  last_seen_at: NullableTime,
});
export type Agent = Static<typeof Agent>;

/** `POST /agents` answer; `client_secret` only for a `client_secret_*` agent, shown once. */
export const CreatedAgent = Type.Object({ agent: Agent, client_secret: Type.Optional(Type.String({ description: 'Shown once.' })) });
export type CreatedAgent = Static<typeof CreatedAgent>;

/** `GET /agents` answer. */
export const AgentPage = Page(Agent);
export type AgentPage = Static<typeof AgentPage>;

/** `POST /agents/{id}/credentials` answer; `client_secret` only for a generated secret, shown once. */
export const CreatedCredential = Type.Object({ credential: Credential, client_secret: Type.Optional(Type.String({ description: 'Shown once.' })) });
export type CreatedCredential = Static<typeof CreatedCredential>;
