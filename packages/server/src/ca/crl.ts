import { bitString, contextConstructed, sequence, smallInteger, time, unsignedInteger } from '../der/der-writer.js';
import type { SigningCa } from './ca-certificate.js';
import { authorityKeyIdentifier, extension } from './certificate-builder.js';
import { OID } from './oids.js';

/** One entry of a CRL: a revoked certificate's serial (unsigned big-endian) and when it was revoked. */
export interface RevokedEntry {
  serial: Buffer;
  revokedAt: number;
}

/** The inputs of one CRL issue (RFC 5280 §5.1.2). */
export interface CrlParts {
  /** Monotonically increasing per issuing CA (cRLNumber, RFC 5280 §5.2.3). */
  number: number;
  thisUpdate: number;
  nextUpdate: number;
  revoked: readonly RevokedEntry[];
}

/**
 * Encodes and signs a v2 CRL (RFC 5280 §5) for certificates `ca` issued: issuer = the CA's subject,
 * thisUpdate/nextUpdate, one entry per revoked certificate not yet expired, and the extensions
 * RFC 5280 §5.2 requires of a conforming CA: authorityKeyIdentifier and cRLNumber.
 */
export function buildCrl(ca: SigningCa, parts: CrlParts): Buffer {
  const entries = [...parts.revoked]
    .sort((a, b) => Buffer.compare(a.serial, b.serial))
    .map((entry) => sequence(unsignedInteger(entry.serial), time(entry.revokedAt)));
  const tbs = sequence(
    smallInteger(1),
    ca.signer.algorithm,
    ca.subject,
    time(parts.thisUpdate),
    time(parts.nextUpdate),
    // RFC 5280 §5.1.2.6: when there are no revoked certificates, the list is absent, not empty.
    ...(entries.length > 0 ? [sequence(...entries)] : []),
    contextConstructed(0, sequence(authorityKeyIdentifier(ca.keyId), extension(OID.crlNumber, false, smallInteger(parts.number)))),
  );
  return sequence(tbs, ca.signer.algorithm, bitString(ca.signer.sign(tbs)));
}
