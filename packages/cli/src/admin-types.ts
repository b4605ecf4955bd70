/**
 * The admin API's resources as the CLI sees them (docs/admin-api.md). These mirror the JSON on
 * the wire; the server owns the schema, so unknown members are kept and shown with --json.
 */
import type { ClientAuthMethod } from '@agentauth/protocol';

export type AgentStatus = 'active' | 'suspended' | 'disabled';

export interface Credential {
  id: string;
  type: string;
  kid?: string | null;
  created_at: string;
  expires_at: string | null;
  [member: string]: unknown;
}

export interface Agent {
  id: string;
  client_id: string;
  name: string;
  owner: string;
  description: string;
  status: AgentStatus;
  scopes: string[];
  resources: string[];
  grant_types: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  access_token_ttl: number | null;
  labels: Record<string, string>;
  jwks_uri: string | null;
  /** RFC 8705 §2.1.2: the one subject a `tls_client_auth` certificate must carry; only the one set is present. */
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_subject_dn?: string;
  /** RFC 8705 §3.4: every token is bound to the client certificate. */
  tls_client_certificate_bound_access_tokens: boolean;
  /** RFC 9449 §5.2: a DPoP proof is mandatory at the token endpoint. */
  dpop_bound_access_tokens: boolean;
  credentials: Credential[];
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
  [member: string]: unknown;
}

/** Body of `POST /admin/v1/agents`. */
export interface CreateAgentRequest {
  name: string;
  owner: string;
  description?: string;
  scopes?: string[];
  resources?: string[];
  grant_types?: string[];
  token_endpoint_auth_method?: ClientAuthMethod;
  access_token_ttl?: number | null;
  labels?: Record<string, string>;
  jwks?: { keys: Record<string, unknown>[] };
  jwks_uri?: string;
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_subject_dn?: string;
  tls_client_certificate_bound_access_tokens?: boolean;
  dpop_bound_access_tokens?: boolean;
}

/** The members `POST` and `PATCH` share. */
export type AgentFields = Partial<Omit<CreateAgentRequest, 'name' | 'owner' | 'jwks' | 'jwks_uri' | TlsSubjectField>>;

/** The RFC 8705 §2.1.2 subject fields of a `tls_client_auth` agent; `null` clears one in a `PATCH`. */
export type TlsSubjectField = 'tls_client_auth_san_uri' | 'tls_client_auth_san_dns' | 'tls_client_auth_subject_dn';

/** Body of `PATCH /admin/v1/agents/{id}`. */
export type UpdateAgentRequest = AgentFields & { name?: string; owner?: string; jwks_uri?: string | null } & { [field in TlsSubjectField]?: string | null };

export interface ListAgentsQuery {
  status?: string;
  owner?: string;
  name?: string;
  labels?: string[];
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

/** The rotation slot of a signing key or an issuing CA. */
export type KeySlot = 'prepared' | 'active' | 'old';

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  state: KeySlot;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
  [member: string]: unknown;
}

export interface RotateResult {
  active_kid: string;
  prepared_kid: string;
}

export interface AuditRecord {
  seq: number;
  time: string;
  event: string;
  outcome: string;
  agent_id: string | null;
  actor: string | null;
  source_ip: string | null;
  reason: string | null;
  request_id: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
  [member: string]: unknown;
}

export interface AuditQuery {
  agent_id?: string;
  event?: string;
  outcome?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** What `POST /admin/v1/audit/verify` answers (docs/events.md, "agentauth audit verify"). */
export interface AuditVerifyResult {
  ok: boolean;
  records_checked: number;
  /** The head (last record) whenever every link holds: seq 0 and hash '' for an empty log. */
  last_seq?: number;
  last_hash?: string;
  first_bad_seq?: number;
  problem?: 'edited' | 'deleted' | 'reordered' | 'truncated' | 'rewritten';
}

/** A head kept outside the database, which the chain must still hold. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** One of an agent's unexpired tokens (`GET /admin/v1/agents/{id}/tokens`, docs/admin-api.md "Agent tokens"). */
export interface AgentToken {
  jti: string;
  sub: string;
  client_id: string;
  parent_jti: string | null;
  issued_at: string;
  expires_at: string;
  revoked: boolean;
  scope: string | null;
  aud: string[] | null;
  binding: 'bearer' | 'dpop' | 'mtls' | null;
  cnf: Record<string, string> | null;
  [member: string]: unknown;
}

/** Body of `POST /admin/v1/agents/{id}/credentials`. */
export type AddCredentialRequest = { type: 'jwk'; jwk: Record<string, unknown> } | { type: 'secret' };

/** What creating an agent or a credential answers; the secret is shown once. */
export interface WithSecret {
  client_secret?: string;
}

/** One token of a lineage (`GET /admin/v1/tokens/{jti}/chain`, docs/admin-api.md "Token chains"). */
export interface TokenChainNode {
  jti: string;
  parent_jti: string | null;
  sub: string;
  client_id: string;
  issued_at: string;
  expires_at: string;
  revoked: boolean;
  scope: string | null;
  aud: string[] | null;
  act: Record<string, unknown> | null;
  task_id: string | null;
}

/** The RFC 8693 lineage of a token: ancestors (root first), itself, descendants (breadth first). */
export interface TokenChain {
  jti: string;
  ancestors: TokenChainNode[];
  token: TokenChainNode;
  descendants: TokenChainNode[];
  truncated: boolean;
}

/** An issued certificate (`GET /admin/v1/certificates`, docs/ca.md). */
export interface CertificateInfo {
  serial: string;
  agent_id: string | null;
  kind: 'agent' | 'server';
  ca_id: string;
  issued_at: string;
  not_after: string;
  revoked_at: string | null;
}

/** What `POST /admin/v1/agents/{id}/certificates` answers. */
export interface IssuedCertificateInfo {
  spiffe_id: string;
  serial: string;
  certificate_chain: string;
  trust_bundle: string;
  expires_at: string;
}

/** The CA hierarchy (`GET /admin/v1/ca`). */
export interface CaInfo {
  trust_domain: string;
  active_id: string | null;
  authorities: {
    id: string;
    kind: 'root' | 'intermediate';
    state: KeySlot;
    subject: string | null;
    not_before: string | null;
    not_after: string;
    external: boolean;
    has_key: boolean;
    activated_at: string | null;
    certificate_pem: string | null;
  }[];
}
