import { contextConstructed, oid, sequence, setOf, smallInteger } from '../der/der-writer.js';
import { OID } from './oids.js';

/**
 * A "certs-only" CMS SignedData (RFC 5652 §5.1, RFC 8551 §3.2.2 `smime-type=certs-only`): no
 * content, no signers, just certificates. RFC 7030 §4.1.3 and §4.2.3 carry EST's CA certificates and
 * enrolled certificates in this form. `certificates` is a DER SET OF, so its members are sorted.
 */
export function certsOnlyPkcs7(certificates: readonly Buffer[]): Buffer {
  if (certificates.length === 0) throw new TypeError('at least one certificate is needed');
  const signedData = sequence(
    smallInteger(1),
    setOf([]),
    sequence(oid(OID.pkcs7Data)),
    // certificates [0] IMPLICIT CertificateSet: the SET OF's tag replaced by [0].
    contextConstructed(0, ...[...certificates].sort(Buffer.compare)),
    setOf([]),
  );
  return sequence(oid(OID.pkcs7SignedData), contextConstructed(0, signedData));
}
