import { decodeJsonSegment, SECEVENT_TYP, type SecurityEventTokenClaims, type SigningAlg } from '@agentauth/protocol';
import type { TokenSigner } from '../tokens/token-signer.js';

/** Longest SET we emit; ours are a few hundred bytes, so anything near this is a defect. */
const MAX_SET_LENGTH = 8 * 1024;

/** A SET we minted breaks an invariant of RFC 8417 / SSF 1.0: a defect in our code. */
export class MalformedSecurityEventTokenError extends Error {
  override readonly name = 'MalformedSecurityEventTokenError';
  constructor(readonly reason: string) {
    super(`minted SET is malformed: ${reason}`);
  }
}

/**
 * Builds and signs a Security Event Token: the compact JWS (RFC 7515 §7.1) of `claims` under the
 * protected header `{ alg, typ: "secevent+jwt", kid }` (RFC 8417 §2.3), signed by the key that
 * signs our access tokens, so receivers verify it with the keys at `jwks_uri`.
 *
 * The SET is then re-parsed and checked before it leaves by {@link assertWellFormedSecurityEventToken}.
 */
export function mintSecurityEventToken(signer: TokenSigner, claims: SecurityEventTokenClaims): string {
  const header = Buffer.from(JSON.stringify({ alg: signer.alg, typ: SECEVENT_TYP, kid: signer.kid })).toString('base64url');
  const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const set = `${signingInput}.${signer.sign(Buffer.from(signingInput, 'latin1')).toString('base64url')}`;
  assertWellFormedSecurityEventToken(set, { alg: signer.alg, kid: signer.kid, issuer: claims.iss });
  return set;
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

function decode(segment: string): Record<string, unknown> {
  const value = decodeJsonSegment(segment);
  if (value === undefined) throw new MalformedSecurityEventTokenError('segment is not a base64url JSON object');
  return value;
}

/**
 * Checks a SET we minted against RFC 8417 §2.2-2.3 and the SSF 1.0 §4 profile: header exactly
 * `{ alg, typ: "secevent+jwt", kid }`; `iss` ours; `jti` a non-empty string; `iat` an integer
 * NumericDate; `aud` present; `sub_id` an object with a `format`; no `sub` (SSF puts the subject in
 * `sub_id` only) and no `exp` (RFC 8417 §2.2: a SET is a statement of fact, it does not expire);
 * `events` holds exactly one event, an object.
 *
 * Does NOT verify the signature (see `assertWellFormedAccessToken` for why).
 *
 * @throws {MalformedSecurityEventTokenError}
 */
export function assertWellFormedSecurityEventToken(set: string, expected: { alg: SigningAlg; kid: string; issuer: string }): void {
  if (set.length > MAX_SET_LENGTH) throw new MalformedSecurityEventTokenError('SET too large');
  const segments = set.split('.');
  if (segments.length !== 3) throw new MalformedSecurityEventTokenError('not a compact JWS');
  const header = decode(segments[0] as string);
  const keys = Object.keys(header).sort().join(',');
  if (keys !== 'alg,kid,typ' || header.alg !== expected.alg || header.kid !== expected.kid || header.typ !== SECEVENT_TYP) {
    throw new MalformedSecurityEventTokenError('unexpected header');
  }
  const claims = decode(segments[1] as string);
  if (claims.iss !== expected.issuer) throw new MalformedSecurityEventTokenError('iss is not ours');
  if (!isNonEmptyString(claims.jti)) throw new MalformedSecurityEventTokenError('jti missing');
  if (typeof claims.iat !== 'number' || !Number.isSafeInteger(claims.iat) || claims.iat <= 0) throw new MalformedSecurityEventTokenError('iat invalid');
  const aud = claims.aud;
  if (!isNonEmptyString(aud) && !(Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString))) throw new MalformedSecurityEventTokenError('aud invalid');
  if ('sub' in claims) throw new MalformedSecurityEventTokenError('sub present');
  if ('exp' in claims) throw new MalformedSecurityEventTokenError('exp present');
  const subId = claims.sub_id;
  if (typeof subId !== 'object' || subId === null || !isNonEmptyString((subId as Record<string, unknown>).format)) {
    throw new MalformedSecurityEventTokenError('sub_id invalid');
  }
  const events = claims.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) throw new MalformedSecurityEventTokenError('events invalid');
  const entries = Object.entries(events);
  if (entries.length !== 1) throw new MalformedSecurityEventTokenError('events must hold exactly one event');
  const payload = entries[0]?.[1];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new MalformedSecurityEventTokenError('event payload invalid');
}
