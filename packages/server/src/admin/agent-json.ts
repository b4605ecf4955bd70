import type { AgentWithCredentials } from '../agents/agent-service.js';
import type { CredentialRecord, SigningKeyRecord } from '../store/records.js';
import type { Agent, Credential } from './wire/agent.js';
import { rfc3339, rfc3339OrNull } from './wire/primitives.js';
import type { SigningKey } from './wire/signing-key.js';

/** Renders a credential without any secret material. */
export function credentialToJson(credential: CredentialRecord): Credential {
  const base = { id: credential.id, created_at: rfc3339(credential.createdAt), expires_at: rfc3339OrNull(credential.expiresAt) };
  return credential.kind === 'jwk' ? { ...base, type: 'jwk', kid: credential.kid } : { ...base, type: 'secret' };
}

/** Renders an agent; the registration access token hash is internal and never shown. */
export function agentToJson({ agent, credentials }: AgentWithCredentials): Agent {
  return {
    id: agent.id,
    client_id: agent.id,
    name: agent.name,
    owner: agent.owner,
    description: agent.description,
    status: agent.status,
    scopes: agent.scopes,
    resources: agent.resources,
    grant_types: agent.grantTypes,
    token_endpoint_auth_method: agent.tokenEndpointAuthMethod,
    access_token_ttl: agent.accessTokenTtl,
    labels: agent.labels,
    jwks_uri: agent.jwksUri,
    ...(agent.tlsClientAuthSanUri ? { tls_client_auth_san_uri: agent.tlsClientAuthSanUri } : {}),
    ...(agent.tlsClientAuthSanDns ? { tls_client_auth_san_dns: agent.tlsClientAuthSanDns } : {}),
    ...(agent.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: agent.tlsClientAuthSubjectDn } : {}),
    tls_client_certificate_bound_access_tokens: agent.tlsClientCertificateBoundAccessTokens === true,
    dpop_bound_access_tokens: agent.dpopBoundAccessTokens === true,
    ...(agent.backchannelTokenDeliveryMode ? { backchannel_token_delivery_mode: agent.backchannelTokenDeliveryMode } : {}),
    ...(agent.backchannelClientNotificationEndpoint ? { backchannel_client_notification_endpoint: agent.backchannelClientNotificationEndpoint } : {}),
    ...(agent.redirectUris !== undefined && agent.redirectUris.length > 0 ? { redirect_uris: agent.redirectUris } : {}),
    credentials: credentials.map(credentialToJson),
    created_at: rfc3339(agent.createdAt),
    updated_at: rfc3339(agent.updatedAt),
    last_seen_at: rfc3339OrNull(agent.lastSeenAt),
  };
}

/** A signing key as `GET /admin/v1/keys` shows it: public facts only. */
export function signingKeyToJson(key: SigningKeyRecord): SigningKey {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    created_at: rfc3339(key.createdAt),
    activated_at: rfc3339OrNull(key.activatedAt),
    retired_at: rfc3339OrNull(key.retiredAt),
    expires_at: rfc3339OrNull(key.expiresAt),
  };
}
