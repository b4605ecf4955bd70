import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { validity } from '../oauth/mtls/verify-certificate-chain.js';

/** The mutual-TLS listener's certificate chain and key (PEM), and when to look for a new one. */
export interface ServerCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** ms: when the listener should call `load()` again. */
  renewAt: number;
}

/** Where the listener's certificate comes from: an operator's files, or our CA. */
export interface ServerCertificateSource {
  load(now: number): Promise<ServerCertificate>;
}

/** How often operator-supplied files are re-read, so a renewed certificate is picked up. */
export const FILE_RELOAD_MS = 5 * 60_000;

/**
 * An operator-supplied certificate (`AGENTAUTH_MTLS_CERT_FILE`, `AGENTAUTH_MTLS_KEY_FILE`),
 * re-read every five minutes so that replacing the files renews the listener without a restart.
 * The files are checked at each load: the first certificate must parse and be valid now.
 */
export function fileServerCertificate(certFile: string, keyFile: string): ServerCertificateSource {
  return {
    async load(now) {
      const [certificatePem, privateKeyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
      const { notAfter } = validity(new X509Certificate(certificatePem));
      if (!(notAfter > now)) throw new Error(`the mTLS server certificate in ${certFile} has expired`);
      return { certificatePem, privateKeyPem, renewAt: now + FILE_RELOAD_MS };
    },
  };
}

/** What our CA gives the listener: a server certificate for the issuer host. */
export type IssueServerCertificate = (hostname: string) => Promise<{ certificatePem: string; privateKeyPem: string }>;

/**
 * A server certificate issued by our CA for `hostname`, renewed when two thirds of its lifetime
 * have passed (as SPIRE renews SVIDs at half: early enough to survive a failed attempt or two).
 */
export function caServerCertificate(hostname: string, issue: IssueServerCertificate): ServerCertificateSource {
  return {
    async load(now) {
      const issued = await issue(hostname);
      const { notBefore, notAfter } = validity(new X509Certificate(issued.certificatePem));
      const start = Math.min(Math.max(notBefore, 0), now);
      return { ...issued, renewAt: start + Math.floor(((notAfter - start) * 2) / 3) };
    },
  };
}
