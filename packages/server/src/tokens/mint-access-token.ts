import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from '@agentauth/protocol';
import type { TokenSigner } from './token-signer.js';

/** Encoded protected headers by signer: a key signs many tokens, its header never changes. */
const headers = new WeakMap<TokenSigner, string>();

function encodedHeader(signer: TokenSigner): string {
  let header = headers.get(signer);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: signer.alg, typ: ACCESS_TOKEN_TYP, kid: signer.kid })).toString('base64url');
    headers.set(signer, header);
  }
  return header;
}

/**
 * Builds and signs an RFC 9068 JWT access token: the compact JWS serialization (RFC 7515 §7.1) of
 * `claims` (RFC 9068 §2.2) under the protected header `{ alg, typ: "at+jwt", kid }` (RFC 9068 §2.1).
 *
 * Built with node:crypto directly rather than jose's `SignJWT`: this is the hot path of `POST
 * /token` (ARCHITECTURE.md, The request that matters), and the signature is synchronous, so minting
 * costs little more than the signature itself. The header is cached per signer.
 *
 * Does NOT validate the claims: call {@link assertWellFormedAccessToken} on the result before
 * returning it (what we issue is checked before it leaves).
 */
export function mintAccessToken(signer: TokenSigner, claims: AccessTokenClaims): string {
  const signingInput = `${encodedHeader(signer)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${signer.sign(Buffer.from(signingInput, 'latin1')).toString('base64url')}`;
}
