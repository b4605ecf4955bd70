import type { ApiKeyTables } from './api-key-tables.js';
import type { AuditCheckpointTables } from './audit-checkpoint-tables.js';
import type { AnomalyTables } from './anomaly-tables.js';
import type { ApprovalTables } from './approval-tables.js';
import type { AuthorizationTables } from './authorization-tables.js';
import type { CaTables } from './ca-tables.js';
import type { DelegationTables } from './delegation-tables.js';
import type { EnrollmentTables } from './enrollment-tables.js';
import type { FederationTables } from './federation-tables.js';
import type { ImportedKeyTables } from './imported-key-tables.js';
import type { KeyCutoverTables } from './key-cutover-tables.js';
import type { LoginProviderTables } from './login-provider-tables.js';
import type { PasskeyTables } from './passkey-tables.js';
import type { PolicyTables } from './policy-tables.js';
import type { SiemCheckpointTables } from './siem-checkpoint-tables.js';
import type { SignalsTables } from './signals-tables.js';
import type { UserTables } from './user-tables.js';

/**
 * The one `Database` type both dialects share, every port's tables: the core ones
 * here, each feature's beside its queries (`ca-tables.ts`, ...). Column names are snake_case; times
 * are integer milliseconds since the epoch (`bigint` in PostgreSQL, parsed back to `number` by the
 * pool's own type parser); JSON fields are text, encoded and decoded only in `json.ts`.
 *
 * It describes the schema the migrations in `migrations/` produce; the migrations themselves are
 * frozen and never import this file.
 */
export interface Database extends AnomalyTables, ApiKeyTables, ApprovalTables, AuditCheckpointTables, AuthorizationTables, CaTables, DelegationTables, EnrollmentTables, FederationTables, ImportedKeyTables, KeyCutoverTables, LoginProviderTables, PasskeyTables, PolicyTables, SiemCheckpointTables, SignalsTables, UserTables {
  agents: AgentsTable;
  agent_labels: AgentLabelsTable;
  credentials: CredentialsTable;
  agents_change: AgentsChangeTable;
  signing_keys: SigningKeysTable;
  store_locks: StoreLocksTable;
  issued_tokens: IssuedTokensTable;
  revoked_tokens: RevokedTokensTable;
  replay_claims: ReplayClaimsTable;
  audit_log: AuditLogTable;
  audit_chain_head: AuditChainHeadTable;
  settings: SettingsTable;
}

/** One agent (records.ts `AgentRecord`). */
export interface AgentsTable {
  id: string;
  name: string;
  /** `name` case-folded by JavaScript, so `nameContains` folds the same way on both dialects. */
  name_folded: string;
  owner: string;
  description: string;
  status: string;
  /** JSON array of strings. */
  scopes: string;
  /** JSON array of strings. */
  resources: string;
  /** JSON array of strings. */
  grant_types: string;
  token_endpoint_auth_method: string;
  access_token_ttl: number | null;
  /** JSON object; the copy the registry reads. `agent_labels` is the copy filters use. */
  labels: string;
  jwks_uri: string | null;
  revoked_before: number | null;
  registration_access_token_hash: string | null;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
  version: number;
  /** RFC 8705 client metadata (migration 0007-mtls). */
  tls_client_auth_san_uri: string | null;
  tls_client_auth_san_dns: string | null;
  tls_client_auth_subject_dn: string | null;
  /** 0 or 1. */
  tls_client_certificate_bound_access_tokens: number;
  /** RFC 9449 §5.2, 0 or 1 (migration 0006-dpop). */
  dpop_bound_access_tokens: number;
  /** CIBA Core 1.0 §4 client metadata (migration 0020-approvals). */
  backchannel_token_delivery_mode: string | null;
  backchannel_client_notification_endpoint: string | null;
  /** JSON array of redirect URIs (RFC 6749 §3.1.2); null when the agent has none. */
  redirect_uris: string | null;
}

/** One label of one agent, so label filters are indexed and pagination stays exact. */
export interface AgentLabelsTable {
  agent_id: string;
  key: string;
  value: string;
}

/** One credential (records.ts `CredentialRecord`): `jwk`/`kid` or `secret_hash`, by `kind`. */
export interface CredentialsTable {
  id: string;
  agent_id: string;
  kind: string;
  /** JSON public JWK, for `kind = 'jwk'`. */
  jwk: string | null;
  kid: string | null;
  secret_hash: string | null;
  created_at: number;
  expires_at: number | null;
}

/** A single row (`id = 1`) whose counter every agent or credential mutation bumps. */
export interface AgentsChangeTable {
  id: number;
  counter: number;
}

/** One signing key slot (records.ts `SigningKeyRecord`). */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  state: string;
  /** JSON public JWK. */
  public_jwk: string;
  encrypted_private_key: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  expires_at: number | null;
}

/** Named rows locked with `SELECT ... FOR UPDATE` to serialise a critical section across nodes. */
export interface StoreLocksTable {
  name: string;
}

/** An access token we issued (records.ts `IssuedTokenRecord`), written by the group commit. */
export interface IssuedTokensTable {
  jti: string;
  agent_id: string;
  client_id: string;
  issued_at: number;
  expires_at: number;
  parent_jti: string | null;
  /** 0010: keyed digest of the token as issued (`tokens/token-digest.ts`); null for rows written before. */
  token_digest: string | null;
}

/** A revoked token (RFC 7009), kept until it would have expired. */
export interface RevokedTokensTable {
  jti: string;
  agent_id: string;
  revoked_at: number;
  expires_at: number;
}

/**
 * Single-use claims (`jti`s), keyed by `(expires_at, key)` (migration 0011): the primary key makes
 * every claim one conditional insert, appended near the end of the index since claims arrive in
 * nearly their expiry order.
 */
export interface ReplayClaimsTable {
  key: string;
  expires_at: number;
}

/** The hash-chained audit log. */
export interface AuditLogTable {
  seq: number;
  time: number;
  event: string;
  outcome: string;
  agent_id: string | null;
  actor: string | null;
  source_ip: string | null;
  reason: string | null;
  request_id: string | null;
  /** JSON object. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** A single row (`id = 1`): the last committed seq and hash, locked by every committer. */
export interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Small named values the server keeps across restarts and nodes (e.g. the bootstrap token digest). */
export interface SettingsTable {
  name: string;
  value: string;
}
