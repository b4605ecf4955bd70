import { ACCESS_TOKEN_TYP, decodeJsonSegment, type SigningAlg } from '@agentauth/protocol';
import { MAX_ACCESS_TOKEN_LENGTH, MAX_ACCESS_TOKEN_TTL } from './limits.js';

/** Raw signature length in bytes where the algorithm fixes it (RFC 7518 §3.4, RFC 8037 §3.1). */
const SIGNATURE_BYTES: Partial<Record<SigningAlg, number>> = { ES256: 64, EdDSA: 64 };

/** A token we issued breaks an invariant: a defect in our code, never the client's fault. */
export class MalformedIssuedTokenError extends Error {
  override readonly name = 'MalformedIssuedTokenError';
  /** Which invariant failed; safe to log (never contains the token or a claim value). */
  readonly reason: string;
  constructor(reason: string) {
    super(`issued access token is malformed: ${reason}`);
    this.reason = reason;
  }
}

export interface IssuedTokenExpectations {
  alg: SigningAlg;
  kid: string;
  /** The `iss` the token must carry (our issuer identifier). */
  issuer: string;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

function decodeSegment(segment: string): Record<string, unknown> {
  const value = decodeJsonSegment(segment);
  if (value === undefined) throw new MalformedIssuedTokenError('segment is not a base64url JSON object');
  return value;
}

/**
 * Re-parses an access token we just minted and checks what RFC 9068 (§2.1 header, §2.2 claims)
 * and RFC 8725 require of it, so a defect in how we build tokens fails the request instead of
 * reaching a resource server: compact form with exactly three segments; header is
 * exactly `{ alg, typ: "at+jwt", kid }` with the expected `alg` and `kid`; `iss` is ours; `sub`,
 * `client_id`, `jti` are non-empty strings; `aud` is a non-empty string or non-empty array of them;
 * `iat`, `nbf`, `exp` are integer NumericDates with `nbf <= iat < exp <= iat + MAX_ACCESS_TOKEN_TTL`; `scope`, when present, is
 * a string; the whole token fits in {@link MAX_ACCESS_TOKEN_LENGTH}.
 *
 * Does NOT verify the signature: `mintAccessToken` signed with a key the key ring checked against
 * its `kid` when it loaded it, and a second verification would double the cost of `POST /token`.
 *
 * @throws {MalformedIssuedTokenError}
 */
export function assertWellFormedAccessToken(jwt: string, expected: IssuedTokenExpectations): void {
  if (jwt.length > MAX_ACCESS_TOKEN_LENGTH) throw new MalformedIssuedTokenError('token too large');
  const segments = jwt.split('.');
  if (segments.length !== 3 || segments.some((segment) => !/^[A-Za-z0-9_-]+$/.test(segment))) {
    throw new MalformedIssuedTokenError('not a compact JWS');
  }
  const [headerSegment, payloadSegment, signatureSegment] = segments as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeSegment(headerSegment);
    claims = decodeSegment(payloadSegment);
  } catch (error) {
    if (error instanceof MalformedIssuedTokenError) throw error;
    throw new MalformedIssuedTokenError('segment is not base64url JSON');
  }

  const headerNames = Object.keys(header);
  if (headerNames.length !== 3 || header.typ !== ACCESS_TOKEN_TYP) throw new MalformedIssuedTokenError('header is not {alg, typ, kid}');
  if (header.alg !== expected.alg) throw new MalformedIssuedTokenError('unexpected alg');
  if (header.kid !== expected.kid) throw new MalformedIssuedTokenError('unexpected kid');
  const signatureBytes = SIGNATURE_BYTES[expected.alg];
  if (signatureBytes !== undefined && Buffer.from(signatureSegment, 'base64url').length !== signatureBytes) {
    throw new MalformedIssuedTokenError('signature has the wrong length');
  }

  if (claims.iss !== expected.issuer) throw new MalformedIssuedTokenError('unexpected iss');
  for (const name of ['sub', 'client_id', 'jti'] as const) {
    if (!isNonEmptyString(claims[name])) throw new MalformedIssuedTokenError(`${name} missing or empty`);
  }
  const { aud, iat, nbf, exp } = claims;
  const audOk = isNonEmptyString(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString));
  if (!audOk) throw new MalformedIssuedTokenError('aud missing or empty');
  if (!isNumericDate(iat) || !isNumericDate(nbf) || !isNumericDate(exp)) throw new MalformedIssuedTokenError('iat, nbf or exp not a NumericDate');
  if (!(exp > iat)) throw new MalformedIssuedTokenError('exp not after iat');
  // A longer-lived token would outlive its `old` key in the JWKS (keys/key-ring.ts).
  if (exp - iat > MAX_ACCESS_TOKEN_TTL) throw new MalformedIssuedTokenError('lifetime above MAX_ACCESS_TOKEN_TTL');
  if (nbf > iat) throw new MalformedIssuedTokenError('nbf after iat');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw new MalformedIssuedTokenError('scope not a string');
}
