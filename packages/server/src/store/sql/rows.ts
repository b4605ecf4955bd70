import type { CibaDeliveryMode, ClientAuthMethod, GrantType, SigningAlg } from '@agentauth/protocol';
import type { JWK } from 'jose';
import type { KeySlot } from '../../key-slot.js';
import type {
  AgentRecord,
  AgentStanding,
  AgentStatus,
  AuditOutcome,
  AuditRecord,
  CredentialRecord,
  IssuedTokenRecord,
  RevokedTokenRecord,
  SigningKeyRecord,
} from '../records.js';
import type {
  AgentsTable,
  AuditLogTable,
  CredentialsTable,
  IssuedTokensTable,
  ReplayClaimsTable,
  RevokedTokensTable,
  SigningKeysTable,
} from './database.js';
import type { IssuedCertificateRecord } from '../ports/ca-store.js';
import type { ReplayClaim } from '../ports/replay-claim-store.js';
import type { CaCertificatesTable } from './ca-tables.js';
import { fromJson, toJson } from './json.js';

/*
 * Record <-> row mapping, field by field: a record never reaches the database with fields the
 * schema does not know, and a row never leaves with columns the record does not declare.
 */

/** `AgentRecord` -> `agents` row (JSON fields encoded, the folded name derived). */
export function agentToRow(a: AgentRecord): AgentsTable {
  return {
    id: a.id,
    name: a.name,
    name_folded: a.name.toLowerCase(),
    owner: a.owner,
    description: a.description,
    status: a.status,
    scopes: toJson(a.scopes),
    resources: toJson(a.resources),
    grant_types: toJson(a.grantTypes),
    token_endpoint_auth_method: a.tokenEndpointAuthMethod,
    access_token_ttl: a.accessTokenTtl,
    labels: toJson(a.labels),
    jwks_uri: a.jwksUri,
    revoked_before: a.revokedBefore,
    registration_access_token_hash: a.registrationAccessTokenHash,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    last_seen_at: a.lastSeenAt,
    version: a.version,
    tls_client_auth_san_uri: a.tlsClientAuthSanUri ?? null,
    tls_client_auth_san_dns: a.tlsClientAuthSanDns ?? null,
    tls_client_auth_subject_dn: a.tlsClientAuthSubjectDn ?? null,
    tls_client_certificate_bound_access_tokens: a.tlsClientCertificateBoundAccessTokens === true ? 1 : 0,
    dpop_bound_access_tokens: a.dpopBoundAccessTokens === true ? 1 : 0,
    backchannel_token_delivery_mode: a.backchannelTokenDeliveryMode ?? null,
    backchannel_client_notification_endpoint: a.backchannelClientNotificationEndpoint ?? null,
    redirect_uris: a.redirectUris === undefined || a.redirectUris.length === 0 ? null : toJson(a.redirectUris),
  };
}

/** The standing columns of an `agents` row (however the query named them) -> `AgentStanding`. */
export function agentStandingFromRow(id: string, status: string, revokedBefore: number | null): AgentStanding {
  return { id, status: status as AgentStatus, revokedBefore };
}

/** `agents` row -> `AgentRecord`. */
export function agentFromRow(r: AgentsTable): AgentRecord {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    description: r.description,
    status: r.status as AgentStatus,
    scopes: fromJson<string[]>(r.scopes),
    resources: fromJson<string[]>(r.resources),
    grantTypes: fromJson<GrantType[]>(r.grant_types),
    tokenEndpointAuthMethod: r.token_endpoint_auth_method as ClientAuthMethod,
    accessTokenTtl: r.access_token_ttl,
    labels: fromJson<Record<string, string>>(r.labels),
    jwksUri: r.jwks_uri,
    revokedBefore: r.revoked_before,
    registrationAccessTokenHash: r.registration_access_token_hash,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastSeenAt: r.last_seen_at,
    version: r.version,
    // RFC 8705 fields are optional on the record: present only when set, so an agent that does
    // not use mutual TLS reads back exactly as it was written.
    ...(r.tls_client_auth_san_uri === null ? {} : { tlsClientAuthSanUri: r.tls_client_auth_san_uri }),
    ...(r.tls_client_auth_san_dns === null ? {} : { tlsClientAuthSanDns: r.tls_client_auth_san_dns }),
    ...(r.tls_client_auth_subject_dn === null ? {} : { tlsClientAuthSubjectDn: r.tls_client_auth_subject_dn }),
    ...(Number(r.tls_client_certificate_bound_access_tokens) === 1 ? { tlsClientCertificateBoundAccessTokens: true } : {}),
    ...(Number(r.dpop_bound_access_tokens) === 1 ? { dpopBoundAccessTokens: true } : {}),
    ...(r.backchannel_token_delivery_mode === null || r.backchannel_token_delivery_mode === undefined ? {} : { backchannelTokenDeliveryMode: r.backchannel_token_delivery_mode as CibaDeliveryMode }),
    ...(r.backchannel_client_notification_endpoint === null || r.backchannel_client_notification_endpoint === undefined ? {} : { backchannelClientNotificationEndpoint: r.backchannel_client_notification_endpoint }),
    ...(r.redirect_uris === null || r.redirect_uris === undefined ? {} : { redirectUris: fromJson<string[]>(r.redirect_uris) }),
  };
}

/** `CredentialRecord` -> `credentials` row; the columns of the other kind are null. */
export function credentialToRow(c: CredentialRecord): CredentialsTable {
  const common = { id: c.id, agent_id: c.agentId, kind: c.kind, created_at: c.createdAt, expires_at: c.expiresAt };
  return c.kind === 'jwk'
    ? { ...common, jwk: toJson(c.jwk), kid: c.kid, secret_hash: null }
    : { ...common, jwk: null, kid: null, secret_hash: c.secretHash };
}

/** `credentials` row -> `CredentialRecord`; a row matching neither kind is corrupt and throws. */
export function credentialFromRow(r: CredentialsTable): CredentialRecord {
  const common = { id: r.id, agentId: r.agent_id, createdAt: r.created_at, expiresAt: r.expires_at };
  if (r.kind === 'jwk' && r.jwk !== null && r.kid !== null) {
    return { ...common, kind: 'jwk', jwk: fromJson<JWK>(r.jwk), kid: r.kid };
  }
  if (r.kind === 'secret' && r.secret_hash !== null) return { ...common, kind: 'secret', secretHash: r.secret_hash };
  throw new Error(`credential ${r.id} has an unreadable kind`);
}

/** `SigningKeyRecord` -> `signing_keys` row. */
export function signingKeyToRow(k: SigningKeyRecord): SigningKeysTable {
  return {
    kid: k.kid,
    alg: k.alg,
    state: k.state,
    public_jwk: toJson(k.publicJwk),
    encrypted_private_key: k.encryptedPrivateKey,
    created_at: k.createdAt,
    activated_at: k.activatedAt,
    retired_at: k.retiredAt,
    expires_at: k.expiresAt,
  };
}

/** `signing_keys` row -> `SigningKeyRecord`. */
export function signingKeyFromRow(r: SigningKeysTable): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg as SigningAlg,
    state: r.state as KeySlot,
    publicJwk: fromJson<JWK>(r.public_jwk),
    encryptedPrivateKey: r.encrypted_private_key,
    createdAt: r.created_at,
    activatedAt: r.activated_at,
    retiredAt: r.retired_at,
    expiresAt: r.expires_at,
  };
}

/** `IssuedTokenRecord` -> `issued_tokens` row. */
export function issuedTokenToRow(t: IssuedTokenRecord): IssuedTokensTable {
  return {
    jti: t.jti,
    agent_id: t.agentId,
    client_id: t.clientId,
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    parent_jti: t.parentJti,
    token_digest: t.tokenDigest,
  };
}

/** `issued_tokens` row -> `IssuedTokenRecord`. */
export function issuedTokenFromRow(r: IssuedTokensTable): IssuedTokenRecord {
  return {
    jti: r.jti,
    agentId: r.agent_id,
    clientId: r.client_id,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    parentJti: r.parent_jti,
    tokenDigest: r.token_digest,
  };
}

/** `RevokedTokenRecord` (RFC 7009) -> `revoked_tokens` row. */
export function revokedTokenToRow(t: RevokedTokenRecord): RevokedTokensTable {
  return { jti: t.jti, agent_id: t.agentId, revoked_at: t.revokedAt, expires_at: t.expiresAt };
}

/** `revoked_tokens` row -> `RevokedTokenRecord`. */
export function revokedTokenFromRow(r: RevokedTokensTable): RevokedTokenRecord {
  return { jti: r.jti, agentId: r.agent_id, revokedAt: r.revoked_at, expiresAt: r.expires_at };
}

/** `IssuedCertificateRecord` -> `ca_certificates` row. */
export function certificateToRow(c: IssuedCertificateRecord): CaCertificatesTable {
  return { serial: c.serial, agent_id: c.agentId, kind: c.kind, ca_id: c.caId, issued_at: c.issuedAt, not_after: c.notAfter, revoked_at: c.revokedAt };
}

/** `ca_certificates` row -> `IssuedCertificateRecord`. */
export function certificateFromRow(r: CaCertificatesTable): IssuedCertificateRecord {
  return {
    serial: r.serial,
    agentId: r.agent_id,
    kind: r.kind as IssuedCertificateRecord['kind'],
    caId: r.ca_id,
    issuedAt: Number(r.issued_at),
    notAfter: Number(r.not_after),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

/** The committed form minus hashes, with the same key order `auditFromRow` gives. */
export type UnhashedAudit = Omit<AuditRecord, 'hash' | 'prevHash'>;

/** A hashed audit record -> `audit_log` row; `details` is already JSON text. */
export function auditToRow(r: UnhashedAudit, details: string, prevHash: string, hash: string): AuditLogTable {
  return {
    seq: r.seq,
    time: r.time,
    event: r.event,
    outcome: r.outcome,
    agent_id: r.agentId,
    actor: r.actor,
    source_ip: r.sourceIp,
    reason: r.reason,
    request_id: r.requestId,
    details,
    prev_hash: prevHash,
    hash,
  };
}

/** `audit_log` row -> `AuditRecord`, fields in the order `UnhashedAudit` uses. */
export function auditFromRow(r: AuditLogTable): AuditRecord {
  return {
    time: r.time,
    event: r.event as AuditRecord['event'],
    outcome: r.outcome as AuditOutcome,
    agentId: r.agent_id,
    actor: r.actor,
    sourceIp: r.source_ip,
    reason: r.reason,
    requestId: r.request_id,
    details: fromJson<Record<string, unknown>>(r.details),
    seq: r.seq,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Replay claims -> `replay_claims` rows, sorted as the primary key `(expires_at, key)` orders them
 * (concurrent PostgreSQL writers then lock them in one order and cannot deadlock). Whole
 * milliseconds (a bigint column): an assertion's `exp` may be fractional, and a value PostgreSQL
 * cannot store would fail the whole statement, a group commit's other requests included.
 */
export function replayClaimRows(claims: Iterable<ReplayClaim>): ReplayClaimsTable[] {
  const rows: ReplayClaimsTable[] = [];
  for (const claim of claims) rows.push({ key: claim.key, expires_at: Math.ceil(claim.expiresAt) });
  return rows.sort((a, b) => a.expires_at - b.expires_at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
