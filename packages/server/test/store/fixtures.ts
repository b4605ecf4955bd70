import { randomBytes, randomUUID } from 'node:crypto';
import { hashAuditRecord } from '../../src/audit/hash-chain.js';
import { createTokenDigester } from '../../src/tokens/token-digest.js';
import type { AuditInput, AuditRecord, CredentialRecord, IssuedTokenRecord, NewAgent, SigningKeyRecord } from '../../src/store/records.js';
import type { IssuedCertificateRecord } from '../../src/store/ports/ca-store.js';
import type { CommitUnit } from '../../src/store/ports/commit-store.js';
import type { Store } from '../../src/store/store.js';

/*
 * Builders for the store contract suite. Every test works under its own random prefix, because a
 * suite run shares one database: tests never depend on what another test left behind.
 */

export const T0 = Date.UTC(2026, 0, 1);

export function prefix(): string {
  return `t${randomUUID().slice(0, 8)}`;
}

export function newAgent(id: string, over: Partial<NewAgent> = {}): NewAgent {
  return {
    id,
    name: `agent ${id}`,
    owner: 'team-test',
    description: '',
    status: 'active',
    scopes: ['invoices:read'],
    resources: ['https://api.example.com'],
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethod: 'private_key_jwt',
    accessTokenTtl: null,
    labels: {},
    jwksUri: null,
    registrationAccessTokenHash: null,
    ...over,
  };
}

export function jwkCredential(agentId: string, id: string, createdAt = T0): CredentialRecord {
  return {
    id,
    agentId,
    kind: 'jwk',
    jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: `kid-${id}` },
    kid: `kid-${id}`,
    createdAt,
    expiresAt: null,
  };
}

export function secretCredential(agentId: string, id: string, createdAt = T0): CredentialRecord {
  return { id, agentId, kind: 'secret', secretHash: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg', createdAt, expiresAt: T0 + 86_400_000 };
}

export function audit(agentId: string | null, over: Partial<AuditInput> = {}): AuditInput {
  return {
    time: T0,
    event: 'access_token.issued',
    outcome: 'success',
    agentId,
    actor: agentId === null ? 'system' : `agent:${agentId}`,
    sourceIp: '127.0.0.1',
    reason: null,
    requestId: randomUUID(),
    details: { scope: 'invoices:read' },
    ...over,
  };
}

const digester = createTokenDigester(Buffer.alloc(32, 7));

/** An issued-token record; its digest stands for the digest of a token whose text is `token-<jti>`. */
export function issued(agentId: string, jti: string, expiresAt = T0 + 300_000): IssuedTokenRecord {
  return { jti, agentId, clientId: agentId, issuedAt: T0, expiresAt, parentJti: null, tokenDigest: digester.digest(`token-${jti}`) };
}

/** A token request's unit: one claim, one audit record, one issued token (the hot path's shape). */
export function tokenUnit(agentId: string, claimKey: string, jti: string): CommitUnit {
  return {
    claims: [{ key: claimKey, expiresAt: T0 + 60_000 }],
    audit: [audit(agentId, { details: { jti } })],
    issuedTokens: [issued(agentId, jti)],
    onReplay: [audit(agentId, { event: 'client_authentication.failed', outcome: 'failure', reason: 'assertion_replayed' })],
  };
}

/** A fresh certificate serial: canonical lowercase hex, 16 random bytes. */
export function serial(): string {
  return randomBytes(16).toString('hex').replace(/^0+/, '');
}

/** An issued-certificate record of `agentId` (null: a server certificate), valid an hour from `issuedAt`. */
export function certificateRecord(agentId: string | null, over: Partial<IssuedCertificateRecord> = {}): IssuedCertificateRecord {
  return { serial: serial(), agentId, kind: agentId === null ? 'server' : 'agent', caId: 'ca-test', issuedAt: T0, notAfter: T0 + 3_600_000, revokedAt: null, ...over };
}

export function signingKey(kid: string, over: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid,
    alg: 'ES256',
    state: 'prepared',
    publicJwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid },
    encryptedPrivateKey: 'c2VhbGVk',
    createdAt: T0,
    activatedAt: null,
    retiredAt: null,
    expiresAt: null,
    ...over,
  };
}

/** The production hash: what the audit log gives `commitUnits`. */
export const hashRecord = hashAuditRecord;

/** Reads the whole chain from seq 1. */
export async function readChain(store: Store): Promise<AuditRecord[]> {
  const all: AuditRecord[] = [];
  for (;;) {
    const chunk = await store.readAuditRange(all.length + 1, 1000);
    all.push(...chunk);
    if (chunk.length < 1000) return all;
  }
}

/** Every defect of the chain, as text; empty when seqs run 1..n, each link holds and each hash recomputes. */
export function chainDefects(chain: readonly AuditRecord[]): string[] {
  const defects: string[] = [];
  let prev = '';
  chain.forEach((record, index) => {
    const { hash, prevHash, ...fields } = record;
    if (record.seq !== index + 1) defects.push(`seq ${record.seq} at position ${index + 1}`);
    if (prevHash !== prev) defects.push(`seq ${record.seq}: prevHash does not link`);
    if (hashRecord(prevHash, fields) !== hash) defects.push(`seq ${record.seq}: hash does not recompute`);
    prev = hash;
  });
  return defects;
}
