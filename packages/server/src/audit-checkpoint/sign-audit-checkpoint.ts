import { hash, type KeyObject } from 'node:crypto';
import { AUDIT_CHECKPOINT_TYP, decodeJsonSegment, parseAuditCheckpointClaims, type AuditCheckpointClaims, type SigningAlg } from '@agentauth/protocol';
import { compactVerify } from 'jose';
import type { TokenSigner } from '../tokens/token-signer.js';

/**
 * base64url SHA-256 of a compact JWS's ASCII text: how a checkpoint names the one before it
 * (`prev.digest`), so a successor that verifies vouches for its predecessor's exact bytes, even
 * once the key that signed the predecessor has left the JWKS.
 */
export function checkpointDigest(jws: string): string {
  return hash('sha256', jws, 'base64url');
}

/**
 * Signs an audit checkpoint: the compact JWS (RFC 7515 §7.1) of `claims` under the protected
 * header `{ alg, typ: "agentauth-audit-checkpoint+jwt", kid }`, with the server's token signing
 * key, so anyone holding the JWKS (`jwks_uri`, or a saved copy) can check it.
 *
 * Does NOT validate the claims: {@link assertWellFormedCheckpoint} does, after signing.
 */
export function signAuditCheckpoint(signer: TokenSigner, claims: AuditCheckpointClaims): string {
  const header = Buffer.from(JSON.stringify({ alg: signer.alg, typ: AUDIT_CHECKPOINT_TYP, kid: signer.kid })).toString('base64url');
  const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${signer.sign(Buffer.from(signingInput, 'latin1')).toString('base64url')}`;
}

/**
 * What we issue is checked before it leaves (ARCHITECTURE.md, Security rules): the signature
 * verifies under the published key, the header is the one we write, and the claims read back as
 * those meant. Throws an `Error` otherwise: a checkpoint that fails here is never stored.
 */
export async function assertWellFormedCheckpoint(jws: string, key: { key: KeyObject; alg: SigningAlg }, meant: AuditCheckpointClaims): Promise<void> {
  const { protectedHeader, payload } = await compactVerify(jws, key.key, { algorithms: [key.alg] });
  if (protectedHeader.typ !== AUDIT_CHECKPOINT_TYP) throw new Error('audit checkpoint: wrong typ after signing');
  const claims = decodeJsonSegment(Buffer.from(payload).toString('base64url'));
  const parsed = claims === undefined ? { problem: 'claims are not a JSON object' } : parseAuditCheckpointClaims(claims);
  if ('problem' in parsed) throw new Error(`audit checkpoint: ${parsed.problem}`);
  if (JSON.stringify(parsed) !== JSON.stringify(meant)) throw new Error('audit checkpoint: claims differ after signing');
}
