import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { IssueServerCertificate } from './mtls-server-certificate.js';

/** What mutual TLS needs from our CA (packages/server/src/ca). */
export interface MtlsCertificateAuthority {
  /** Our root(s) and issuing CAs, current and old; the same array while nothing changed. */
  trustAnchors(): readonly X509Certificate[];
  /** True when our CA revoked the certificate. */
  isRevoked(certificate: X509Certificate): boolean | Promise<boolean>;
  /** Issues the listener's server certificate for the issuer host. */
  issueServerCertificate?: IssueServerCertificate;
}

/** How long one trust bundle snapshot is used before the CA is asked again (ms). */
const BUNDLE_REFRESH_MS = 1000;

/**
 * Our CA as mutual TLS sees it: trust anchors (roots and issuing CAs, current and old, so a
 * client may send its leaf alone), revocation by serial for certificates our issuing CAs signed,
 * and the listener's server certificate. The anchor array keeps its identity while the bundle is
 * unchanged, so verified chains stay cached until a CA rotates.
 */
export function mtlsCertificateAuthority(ca: CertificateAuthority, now: () => number): MtlsCertificateAuthority {
  let checkedAt = -Infinity;
  let pem = '';
  let anchors: readonly X509Certificate[] = [];
  let issuers: readonly X509Certificate[] = [];
  const refresh = () => {
    const at = now();
    if (at - checkedAt < BUNDLE_REFRESH_MS) return;
    checkedAt = at;
    const bundle = ca.trustBundle();
    if (bundle.pem === pem) return;
    pem = bundle.pem;
    anchors = [...bundle.roots, ...bundle.intermediates];
    issuers = bundle.intermediates;
  };
  return {
    trustAnchors() {
      refresh();
      return anchors;
    },
    async isRevoked(certificate) {
      refresh();
      // Serials are unique per issuer only: ask our CA about the certificates it issued.
      if (!issuers.some((issuer) => certificate.checkIssued(issuer))) return false;
      return ca.isRevoked(certificate.serialNumber);
    },
    async issueServerCertificate(hostname) {
      const issued = await ca.issueServerCertificate(isIP(hostname) === 0 ? [hostname] : [], isIP(hostname) === 0 ? [] : [hostname]);
      // The chain (leaf, issuing CA), so clients that trust only the root can build the path.
      return { certificatePem: issued.chainPem, privateKeyPem: issued.privateKeyPem };
    },
  };
}
