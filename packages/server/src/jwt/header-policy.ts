import { ACCESS_TOKEN_TYP, DPOP_PROOF_TYP, REFUSED_JWS_HEADERS, SECEVENT_TYP } from '@agentauth/protocol';
import type { JwtKind } from './jwt-kinds.js';

/**
 * The explicit types of the other kinds of JWT this system issues or reads (RFC 9068 §2.1, RFC 9449
 * §4.2, RFC 8417 §2.3): a JWT typed as one of them is never taken for another kind (RFC 8725 §3.11).
 */
const OTHER_KINDS: readonly string[] = [ACCESS_TOKEN_TYP, DPOP_PROOF_TYP, SECEVENT_TYP];

/** A `typ` as the media type it names: case-insensitive, `application/` optional (RFC 7515 §4.1.9). */
const mediaSubtype = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : typeof value);

/**
 * The header policy of every JWT the server reads (RFC 8725 §3): no header naming or carrying a
 * key, no `crit`, no `b64` (`REFUSED_JWS_HEADERS`); `kid`, when present, a string; `alg` one of
 * `algorithms`, which never hold `none` or an HMAC algorithm (RFC 8725 §3.1-3.2); `typ` as the
 * kind requires (RFC 8725 §3.11). Returns why the header is refused (a private detail for the log
 * and the audit record), or undefined.
 *
 * Does NOT find the key nor verify the signature.
 */
export function headerFault(header: Readonly<Record<string, unknown>>, kind: JwtKind, algorithms: readonly string[]): string | undefined {
  for (const name of REFUSED_JWS_HEADERS) if (Object.hasOwn(header, name)) return `header ${name} not allowed`;
  if (header.kid !== undefined && typeof header.kid !== 'string') return 'kid is not a string';
  const { alg, typ } = header;
  if (typeof alg !== 'string' || !algorithms.includes(alg)) return `alg ${shown(alg)} not allowed`;
  if (kind.typ !== undefined) return typ === kind.typ ? undefined : `typ is not ${kind.typ}`;
  if (typ === undefined) return undefined;
  if (typeof typ !== 'string') return 'typ is not a string';
  return OTHER_KINDS.includes(mediaSubtype(typ)) ? `typ ${shown(typ)} is another kind of JWT` : undefined;
}
