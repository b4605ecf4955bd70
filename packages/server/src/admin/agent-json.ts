import type { AgentWithCredentials } from '../agents/agent-service.js';
import type { AgentRecord, CredentialRecord, SigningKeyRecord } from '../store/records.js';

/** A credential as the admin API shows it (docs/admin-api.md): never the secret, nor its hash. */
export interface CredentialJson {
  id: string;
  type: 'jwk' | 'secret';
  kid?: string;
  created_at: string;
  expires_at: string | null;
}

/** An agent as the admin API shows it (docs/admin-api.md, "Agent"). */
export interface AgentJson {
  id: string;
  client_id: string;
  name: string;
  owner: string;
  description: string;
  status: AgentRecord['status'];
  scopes: string[];
  resources: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  access_token_ttl: number | null;
  labels: Record<string, string>;
  jwks_uri: string | null;
  /** RFC 8705 §2.1.2 subject (only the one that is set), and §3.4. */
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_subject_dn?: string;
  tls_client_certificate_bound_access_tokens: boolean;
  /** RFC 9449 §5.2 */
  dpop_bound_access_tokens: boolean;
  credentials: CredentialJson[];
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
}

/** RFC 3339 §5.6 `date-time` in UTC, from epoch milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function optionalTime(ms: number | null): string | null {
  return ms === null ? null : rfc3339(ms);
}

/** Renders a credential without any secret material. */
export function credentialToJson(credential: CredentialRecord): CredentialJson {
  const base = { id: credential.id, created_at: rfc3339(credential.createdAt), expires_at: optionalTime(credential.expiresAt) };
  return credential.kind === 'jwk' ? { ...base, type: 'jwk', kid: credential.kid } : { ...base, type: 'secret' };
}

/** Renders an agent; the registration access token hash is internal and never shown. */
export function agentToJson({ agent, credentials }: AgentWithCredentials): AgentJson {
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
    credentials: credentials.map(credentialToJson),
    created_at: rfc3339(agent.createdAt),
    updated_at: rfc3339(agent.updatedAt),
    last_seen_at: optionalTime(agent.lastSeenAt),
  };
}

/** A signing key as `GET /admin/v1/keys` shows it: public facts only. */
export function signingKeyToJson(key: SigningKeyRecord): Record<string, unknown> {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    created_at: rfc3339(key.createdAt),
    activated_at: optionalTime(key.activatedAt),
    retired_at: optionalTime(key.retiredAt),
    expires_at: optionalTime(key.expiresAt),
  };
}
