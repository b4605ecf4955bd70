import { openBox, sealBox } from '../keys/sealed-box.js';

/** The associated data a person's TOTP secret is sealed with: their id. */
export const totpAad = (userId: string): string => `totp:${userId}`;

/**
 * A person's TOTP secret at rest: AES-256-GCM under the master key (ARCHITECTURE.md, Security
 * rules), bound to the person's id, so a sealed secret copied onto another person's row no longer
 * opens. Throws `SealedBoxError` when it was altered or sealed under another key.
 */
export function sealTotpSecret(masterKey: Buffer, userId: string, secret: Buffer): string {
  return sealBox(masterKey, totpAad(userId), secret);
}

/** Opens what {@link sealTotpSecret} sealed for the same person. */
export function openTotpSecret(masterKey: Buffer, userId: string, sealed: string): Buffer {
  return openBox(masterKey, totpAad(userId), sealed);
}
