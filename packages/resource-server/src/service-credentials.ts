import { CLIENT_ASSERTION_TYPE_JWT_BEARER, SIGNING_ALGS, type SigningAlg } from '@agentauth/protocol';
import { importJWK, SignJWT, type JWK } from 'jose';

/**
 * How this service authenticates to the authorization server as a client (for introspection and
 * for the Shared Signals stream): RFC 7523 `private_key_jwt` (preferred), or RFC 6749 §2.3.1
 * `client_secret_basic`.
 */
export type ServiceCredentials =
  | { clientId: string; privateKey: CryptoKey | JWK; alg: SigningAlg; kid?: string }
  | { clientId: string; clientSecret: string };

/** Checks the shape at construction time (misuse is a TypeError, at once). */
export function checkServiceCredentials(credentials: ServiceCredentials, name: string): void {
  if (typeof credentials !== 'object' || credentials === null) throw new TypeError(`${name} must be an object`);
  if (typeof credentials.clientId !== 'string' || credentials.clientId === '') throw new TypeError(`${name}.clientId must be a non-empty string`);
  if ('clientSecret' in credentials) {
    if (typeof credentials.clientSecret !== 'string' || credentials.clientSecret === '') throw new TypeError(`${name}.clientSecret must be a non-empty string`);
    return;
  }
  if (!(SIGNING_ALGS as readonly string[]).includes(credentials.alg)) throw new TypeError(`${name}.alg must be one of ${SIGNING_ALGS.join(', ')}`);
  if (typeof credentials.privateKey !== 'object' || credentials.privateKey === null) throw new TypeError(`${name}.privateKey must be a CryptoKey or a private JWK`);
}

function base64urlRandom(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = '';
  for (const byte of data) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}

/**
 * Adds client authentication to a form request: an RFC 7523 §2.2 assertion (`iss` = `sub` =
 * client id, `aud` = the issuer, 60 s, a fresh 256-bit `jti`) or an HTTP Basic header.
 */
export async function authenticateForm(
  credentials: ServiceCredentials,
  form: URLSearchParams,
  headers: Record<string, string>,
  context: { issuer: string; nowMs: number },
): Promise<void> {
  if ('clientSecret' in credentials) {
    headers.authorization = basic(credentials.clientId, credentials.clientSecret);
    return;
  }
  const key = 'type' in credentials.privateKey && !('kty' in credentials.privateKey) ? credentials.privateKey : await importJWK(credentials.privateKey as JWK, credentials.alg);
  const iat = Math.floor(context.nowMs / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader(credentials.kid === undefined ? { alg: credentials.alg } : { alg: credentials.alg, kid: credentials.kid })
    .setIssuer(credentials.clientId)
    .setSubject(credentials.clientId)
    .setAudience(context.issuer)
    .setJti(base64urlRandom(32))
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .sign(key);
  form.set('client_id', credentials.clientId);
  form.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT_BEARER);
  form.set('client_assertion', assertion);
}
