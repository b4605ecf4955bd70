import { CAEP_CREDENTIAL_CHANGE, CAEP_SESSION_REVOKED, REFUSED_JWS_HEADERS, SECEVENT_TYP, type SigningAlg } from '@agentauth/protocol';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { IssuerKeys } from './issuer-keys.js';

/** What a verified SET asks this resource server to do. */
export type RevocationInstruction =
  /** CAEP `session-revoked` about one token (RFC 9493 `jwt_id` subject). */
  | { kind: 'token'; jti: string }
  /** CAEP `session-revoked` about an agent (`iss_sub`): its tokens issued before `before` (seconds). */
  | { kind: 'agent'; agentId: string; before: number }
  /** CAEP `credential-change` revoking an agent's certificate: its certificate-bound tokens issued before `before`. */
  | { kind: 'agent_certificates'; agentId: string; before: number }
  /** Valid, but nothing to do (verification, stream-updated, other credential changes). */
  | { kind: 'none' };

/** RFC 8935 §2.3 / RFC 8936 §2.4.4 error codes a receiver returns in `setErrs`. */
export type SetErrorCode = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience';

/** A SET this receiver refuses, with the RFC 8936 §2.4.4 code it reports in `setErrs`; `onError` hears it. */
export class SetError extends Error {
  override readonly name = 'SetError';
  constructor(
    readonly code: SetErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

const MAX_SET_LENGTH = 16 * 1024;

/**
 * Verifies a Security Event Token (RFC 8417 §2, SSF 1.0 §4) from the transmitter and reads its one
 * CAEP event: `typ` `secevent+jwt` (RFC 8417 §2.3, no confusion with access tokens), `alg` from the
 * allow-list, the issuer's key by `kid` (no header naming or carrying a key, no `crit`: `REFUSED_JWS_HEADERS`), `iss` exactly the issuer,
 * `aud` containing this receiver (the transmitter addresses SETs to the receiver's client id),
 * `iat` present, no `exp` required (RFC 8417 §2.2: SETs do not expire), exactly one event.
 * Subjects of another issuer are ignored (they cannot name our tokens).
 *
 * @throws {SetError} with the RFC 8936 §2.4.4 code to report in `setErrs`.
 */
export async function readSecurityEvent(set: string, context: { issuer: string; audience: string; keys: IssuerKeys; algorithms: readonly SigningAlg[] }): Promise<RevocationInstruction> {
  if (typeof set !== 'string' || set.length > MAX_SET_LENGTH || set.split('.').length !== 3) throw new SetError('invalid_request', 'not a compact JWS');
  let header;
  try {
    header = decodeProtectedHeader(set);
  } catch {
    throw new SetError('invalid_request', 'malformed header');
  }
  if (header.typ !== SECEVENT_TYP) throw new SetError('invalid_request', 'typ is not secevent+jwt');
  for (const name of REFUSED_JWS_HEADERS) if (name in header) throw new SetError('invalid_request', `header ${name} refused`);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(set, async (h) => {
      const key = await context.keys.getKey({ ...(h.kid === undefined ? {} : { kid: h.kid }), alg: h.alg });
      if (key === undefined) throw new SetError('invalid_key', 'unknown signing key');
      return key;
    }, { algorithms: [...context.algorithms], typ: SECEVENT_TYP, issuer: context.issuer, audience: context.audience, requiredClaims: ['iat', 'jti'] }));
  } catch (error) {
    if (error instanceof SetError) throw error;
    const claim = (error as { claim?: string }).claim;
    if (claim === 'iss') throw new SetError('invalid_issuer', 'foreign issuer');
    if (claim === 'aud') throw new SetError('invalid_audience', 'not addressed to this receiver');
    throw new SetError('invalid_key', 'signature or claims invalid');
  }
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) throw new SetError('invalid_request', 'events missing');
  const entries = Object.entries(events as Record<string, unknown>);
  if (entries.length !== 1) throw new SetError('invalid_request', 'a SET must carry exactly one event');
  const [type, event] = entries[0] as [string, unknown];
  if (typeof event !== 'object' || event === null) throw new SetError('invalid_request', 'event is not an object');
  const subject = payload.sub_id as Record<string, unknown> | undefined;
  const timestamp = (event as { event_timestamp?: unknown }).event_timestamp;
  const before = typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : (payload.iat as number);

  if (type !== CAEP_SESSION_REVOKED && type !== CAEP_CREDENTIAL_CHANGE) return { kind: 'none' };
  if (typeof subject !== 'object' || subject === null) throw new SetError('invalid_request', 'sub_id missing');
  if (subject.iss !== context.issuer) return { kind: 'none' };
  if (type === CAEP_SESSION_REVOKED) {
    if (subject.format === 'jwt_id' && typeof subject.jti === 'string' && subject.jti !== '') return { kind: 'token', jti: subject.jti };
    if (subject.format === 'iss_sub' && typeof subject.sub === 'string' && subject.sub !== '') return { kind: 'agent', agentId: subject.sub, before };
    throw new SetError('invalid_request', 'unsupported subject for session-revoked');
  }
  const change = event as { credential_type?: unknown; change_type?: unknown };
  if (subject.format === 'iss_sub' && typeof subject.sub === 'string' && change.credential_type === 'x509' && change.change_type === 'revoke') {
    return { kind: 'agent_certificates', agentId: subject.sub, before };
  }
  // A removed key or secret does not revoke tokens at the server either (introspection keeps
  // answering active), so a resource server that refused them would disagree with it.
  return { kind: 'none' };
}
