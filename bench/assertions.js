// RFC 7523 §2.2 client assertions and the token request bodies that carry them, signed ahead of
// a run with node:crypto (ES256, RFC 7518 §3.4: raw R||S signature) so that signing never
// competes with the load generator inside the measured window.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Buffer } from 'node:buffer';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Assertion lifetime; both servers refuse an `exp` more than 300 s ahead. */
const LIFETIME_SECONDS = 300;

/** A fresh P-256 key pair; `publicJwk` (with `kid`) is what both servers register for the client. */
export function generateClientKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(8).toString('base64url');
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { privateKey, kid, publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' } };
}

/**
 * `count` form-encoded POST /token bodies (RFC 6749 §4.4.2 client_credentials with RFC 7523
 * private_key_jwt), each with its own assertion (`jti` unique, `iss` = `sub` = client id,
 * `aud` = issuer), all valid for the next five minutes.
 */
export function tokenRequestBodies(count, { key, clientId, audience, scope, resource }) {
  const header = encode({ alg: 'ES256', kid: key.kid });
  const iat = Math.floor(Date.now() / 1000);
  const fixed =
    `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}` +
    `&scope=${encodeURIComponent(scope)}&resource=${encodeURIComponent(resource)}&client_assertion=`;
  const bodies = new Array(count);
  for (let i = 0; i < count; i++) {
    const claims = { iss: clientId, sub: clientId, aud: audience, jti: randomBytes(16).toString('base64url'), iat, exp: iat + LIFETIME_SECONDS };
    const input = `${header}.${encode(claims)}`;
    const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    // The JWT alphabet (base64url and '.') needs no form encoding.
    bodies[i] = Buffer.from(fixed + input + '.' + signature.toString('base64url'));
  }
  return bodies;
}

function encode(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
