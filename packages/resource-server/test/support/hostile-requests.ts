import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { dpopKeyPair, dpopProof, mintWithServerKey, type DpopKeyPair, type RealServer } from './real-server.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWS with any header and claims, signed by the server's real key: what a confused signer or an attacker with a valid signature would send. */
export function forgeWithServerKey(server: RealServer, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const signer = server.server.deps.keys.signer();
  const input = `${b64({ kid: signer.kid, alg: signer.alg, ...header })}.${b64(claims)}`;
  return `${input}.${signer.sign(Buffer.from(input)).toString('base64url')}`;
}

export function baseClaims(server: RealServer, resource: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: server.issuer, sub: 'agent-x', aud: resource, exp: now + 300, iat: now, nbf: now, jti: crypto.randomUUID(), client_id: 'agent-x', scope: 'orders:read', ...overrides };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** One hostile request and the refusal it must earn. */
export interface HostileCase {
  name: string;
  /** Builds the headers for a request to `url` (DPoP proofs are bound to it and single-use). */
  headers(url: string, method: string): Promise<Record<string, string | string[]>>;
  status: 400 | 401;
  /** Start of the WWW-Authenticate header. */
  challenge: RegExp;
}

const bearerChallenge = (error: string) => new RegExp(`^Bearer error="${error}", error_description="[^"]+", resource_metadata="[^"]+"$`);
const dpopChallenge = (error: string) => new RegExp(`^DPoP error="${error}", error_description="[^"]+", algs="[^"]+", resource_metadata="[^"]+"$`);

/**
 * RFC 8725 §2-3, RFC 9068 §4 and RFC 9449 §4.3 / §7: every hostile case, each a 401 (or a 400
 * `invalid_request` for a malformed header, RFC 6750 §3.1) with the header that says why.
 */
export async function hostileCases(server: RealServer, resource: string): Promise<HostileCase[]> {
  const claims = (overrides: Record<string, unknown> = {}) => baseClaims(server, resource, overrides);
  const bearer = (token: string) => async () => ({ authorization: `Bearer ${token}` });
  const invalidToken = bearerChallenge('invalid_token');
  const signer = server.server.deps.keys.signer();
  const publicPem = server.server.deps.keys.publicKey(signer.kid)!.key.export({ format: 'pem', type: 'spki' });
  const hsInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: signer.kid })}.${b64(claims())}`;
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const attackerJwk = await exportJWK(attacker.publicKey);
  const key: DpopKeyPair = await dpopKeyPair();
  const other: DpopKeyPair = await dpopKeyPair();
  const bound = await mintWithServerKey(server, claims({ cnf: { jkt: key.jkt } }));
  const dpop = (proofFor: (url: string, method: string) => Promise<string | string[]>, token = bound) => async (url: string, method: string) => ({ authorization: `DPoP ${token}`, dpop: await proofFor(url, method) });
  const proof = (overrides: Parameters<typeof dpopProof>[2] = {}, request: { accessToken?: string | undefined; nonce?: string } = {}, signer = key) => (url: string, method: string) =>
    dpopProof(signer, { method, url, ...('accessToken' in request ? (request.accessToken === undefined ? {} : { accessToken: request.accessToken }) : { accessToken: bound }) }, overrides);
  const invalidProof = dpopChallenge('invalid_dpop_proof');
  const replayed = new Map<string, string>();

  return [
    { name: 'alg none (RFC 8725 §3.1)', headers: bearer(`${b64({ alg: 'none', typ: 'at+jwt', kid: signer.kid })}.${b64(claims())}.`), status: 401, challenge: invalidToken },
    { name: 'HS256 keyed with the public key (algorithm confusion, RFC 8725 §2.1)', headers: bearer(`${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`), status: 401, challenge: invalidToken },
    { name: 'typ JWT (RFC 9068 §4)', headers: bearer(forgeWithServerKey(server, { typ: 'JWT' }, claims())), status: 401, challenge: invalidToken },
    { name: 'typ missing (RFC 8725 §3.11)', headers: bearer(forgeWithServerKey(server, {}, claims())), status: 401, challenge: invalidToken },
    { name: 'a DPoP proof as access token (typ dpop+jwt)', headers: bearer(forgeWithServerKey(server, { typ: 'dpop+jwt' }, claims())), status: 401, challenge: invalidToken },
    { name: 'foreign iss', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ iss: 'https://evil.example' }))), status: 401, challenge: invalidToken },
    { name: 'aud missing', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ aud: undefined }))), status: 401, challenge: invalidToken },
    { name: 'aud another resource', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ aud: 'https://other.example' }))), status: 401, challenge: invalidToken },
    { name: 'expired', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ exp: Math.floor(Date.now() / 1000) - 60 }))), status: 401, challenge: invalidToken },
    { name: 'nbf in the future', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ nbf: Math.floor(Date.now() / 1000) + 600 }))), status: 401, challenge: invalidToken },
    { name: 'iat in the future', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ iat: Math.floor(Date.now() / 1000) + 600, nbf: undefined }))), status: 401, challenge: invalidToken },
    { name: 'unknown kid', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt', kid: 'no-such-key' }, claims())), status: 401, challenge: invalidToken },
    { name: 'embedded jwk (RFC 8725 §3.10)', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt', jwk: attackerJwk }, claims())), status: 401, challenge: invalidToken },
    { name: 'jku header', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt', jku: 'https://evil.example/jwks' }, claims())), status: 401, challenge: invalidToken },
    { name: 'x5u header', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt', x5u: 'https://evil.example/cert' }, claims())), status: 401, challenge: invalidToken },
    { name: 'crit header', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt', crit: ['exp'] }, claims())), status: 401, challenge: invalidToken },
    { name: 'oversized token', headers: bearer(forgeWithServerKey(server, { typ: 'at+jwt' }, claims({ scope: 'a'.repeat(9_000) }))), status: 401, challenge: invalidToken },
    { name: 'signature of another key', headers: bearer(`${forgeWithServerKey(server, { typ: 'at+jwt' }, claims()).split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`), status: 401, challenge: invalidToken },
    { name: 'garbage token', headers: bearer('not.a.token'), status: 401, challenge: invalidToken },
    { name: 'two Authorization headers', headers: async () => ({ authorization: [`Bearer ${bound}`, `Bearer ${bound}`] }), status: 400, challenge: /^Bearer error="invalid_request", error_description="[^"]+", resource_metadata="[^"]+", DPoP error="invalid_request"/ },
    // RFC 6750 §3.1: another scheme is a request without an access token, so no error code.
    { name: 'Basic scheme', headers: async () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), status: 401, challenge: /^Bearer resource_metadata="[^"]+", DPoP algs="[^"]+", resource_metadata="[^"]+"$/ },
    { name: 'no RFC 7235 scheme', headers: async () => ({ authorization: '@@ token' }), status: 400, challenge: /error="invalid_request"/ },
    // RFC 9449 §7.1 / §7.2
    { name: 'DPoP-bound token as Bearer', headers: bearer(bound), status: 401, challenge: dpopChallenge('invalid_token') },
    { name: 'DPoP scheme without a proof', headers: async () => ({ authorization: `DPoP ${bound}` }), status: 401, challenge: invalidProof },
    { name: 'two DPoP headers', headers: dpop(async (url, method) => [await proof()(url, method), await proof()(url, method)]), status: 401, challenge: invalidProof },
    { name: 'proof typ JWT', headers: dpop(proof({ header: { typ: 'JWT' } })), status: 401, challenge: invalidProof },
    { name: 'proof alg none', headers: dpop(async (url, method) => `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${b64({ jti: 'x', htm: method, htu: url, iat: Math.floor(Date.now() / 1000) })}.`), status: 401, challenge: invalidProof },
    { name: 'proof jwk with a private member', headers: dpop(proof({ header: { jwk: { ...key.publicJwk, d: 'AAAA' } } })), status: 401, challenge: invalidProof },
    { name: 'proof signed by another key', headers: dpop(proof({ signWith: other.privateKey })), status: 401, challenge: invalidProof },
    { name: 'proof htm mismatch', headers: dpop(async (url) => proof()(url, 'DELETE')), status: 401, challenge: invalidProof },
    { name: 'proof htu mismatch', headers: dpop(async (_url, method) => proof()('https://elsewhere.example/orders', method)), status: 401, challenge: invalidProof },
    { name: 'proof without ath', headers: dpop(proof({}, { accessToken: undefined })), status: 401, challenge: invalidProof },
    { name: 'proof with the ath of another token', headers: dpop(proof({}, { accessToken: 'another-token' })), status: 401, challenge: invalidProof },
    { name: 'proof iat an hour old', headers: dpop(proof({ claims: { iat: Math.floor(Date.now() / 1000) - 3_600 } })), status: 401, challenge: invalidProof },
    { name: 'proof with crit', headers: dpop(proof({ header: { crit: ['x'] } })), status: 401, challenge: invalidProof },
    {
      name: 'replayed proof',
      headers: dpop(async (url, method) => {
        const key2 = `${method} ${url}`;
        // The first use happens in the case setup below; the second is the one under test.
        return replayed.get(key2) ?? '';
      }),
      status: 401,
      challenge: invalidProof,
    },
    { name: 'proof key is not the token key (cnf.jkt)', headers: dpop(proof({}, {}, other)), status: 401, challenge: dpopChallenge('invalid_token') },
  ].map((c) =>
    c.name === 'replayed proof'
      ? {
          ...c,
          // Needs the proof to have been accepted once: the adapter harness calls prime() first.
          prime: async (url: string, method: string, send: (headers: Record<string, string>) => Promise<number>) => {
            const once = await proof()(url, method);
            replayed.set(`${method} ${url}`, once);
            return send({ authorization: `DPoP ${bound}`, dpop: once });
          },
        }
      : c,
  ) as HostileCase[];
}

/** The replay case primes itself with one accepted use. */
export type PrimedCase = HostileCase & { prime?: (url: string, method: string, send: (headers: Record<string, string>) => Promise<number>) => Promise<number> };
