import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32Encode } from './base32.js';

/**
 * What authenticator apps expect (the Key Uri Format's defaults, RFC 6238 §4 and §5.2): HMAC-SHA-1,
 * 6 digits, 30-second steps counted from the Unix epoch, and one step of drift either way.
 */
export const TOTP = Object.freeze({ algorithm: 'sha1', digits: 6, periodSeconds: 30, drift: 1, secretBytes: 20 });

/** The HMAC hashes RFC 6238 §1.2 allows. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/**
 * HOTP (RFC 4226 §5.3): HMAC of the 8-byte big-endian counter, dynamic truncation, modulo
 * 10^digits, left-padded with zeros. TOTP is HOTP over the time step (RFC 6238 §4.2).
 */
export function hotp(secret: Buffer, counter: number, digits: number = TOTP.digits, algorithm: TotpAlgorithm = 'sha1'): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new TypeError('counter must be a non-negative safe integer');
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new TypeError('digits must be 6 to 8 (RFC 4226 §5.3)');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 §4.2 time step `T` of a moment (milliseconds since the epoch), with T0 = 0. */
export function totpStep(nowMs: number, periodSeconds: number = TOTP.periodSeconds): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/**
 * The time step a submitted code is valid for, within one step of drift (RFC 6238 §5.2), or
 * undefined. Every candidate is compared, in constant time, whatever matched first, so timing does
 * not say which step (if any) matched. Does NOT enforce single use: the caller claims the returned
 * step once (`UserStore.claimTotpStep`).
 */
export function matchTotp(secret: Buffer, submitted: string, nowMs: number): number | undefined {
  if (!/^[0-9]{6}$/.test(submitted)) return undefined;
  const current = totpStep(nowMs);
  const given = Buffer.from(submitted, 'ascii');
  let matched: number | undefined;
  for (let step = current - TOTP.drift; step <= current + TOTP.drift; step += 1) {
    if (step < 0) continue;
    const equal = timingSafeEqual(Buffer.from(hotp(secret, step), 'ascii'), given);
    if (equal && matched === undefined) matched = step;
  }
  return matched;
}

/**
 * The `otpauth://totp/` URI authenticator apps scan (the Key Uri Format): label `issuer:account`,
 * the secret in RFC 4648 §6 base32 without padding, and the parameters spelled out. Values are
 * percent-encoded as RFC 3986 says (a space is `%20`: apps show a `+` as it is). The issuer may not
 * hold a colon, which separates it from the account in the label.
 */
export function otpauthUri(secret: Buffer, issuer: string, account: string): string {
  if (issuer.includes(':')) throw new TypeError('otpauthUri: the issuer must not contain a colon');
  const query = [
    ['secret', base32Encode(secret)],
    ['issuer', issuer],
    ['algorithm', 'SHA1'],
    ['digits', String(TOTP.digits)],
    ['period', String(TOTP.periodSeconds)],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value ?? '')}`)
    .join('&');
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?${query}`;
}
