import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Random } from '../random.js';
import { fromPem } from '../der/der-reader.js';
import { extensionsOf, readCaCertificate, signingCa, tbsMembers, type CaCertificate } from './ca-certificate.js';
import { CaError } from './ca-error.js';
import { candidateRecord, makeIntermediateCa, sealImportedKey } from './ca-hierarchy.js';
import type { CaAuthorityRecord } from '../store/ports/ca-store.js';
import { OID } from './oids.js';

/** What an operator imports (admin API `POST /ca/import`, CLI `ca import`). PEM throughout. */
export interface CaImport {
  /** A root CA certificate, or an issuing CA certificate signed by `rootCertificatePem`. */
  certificatePem: string;
  /** Its private key (PKCS#8 or SEC1/PKCS#1 PEM, unencrypted). */
  privateKeyPem: string;
  /** For an issuing CA: the certificate of the root that signed it. */
  rootCertificatePem?: string;
}

interface ImportOptions {
  now: number;
  masterKey: Buffer;
  random: Random;
  trustDomain: string;
  lifetimeMs: number;
}

const refuse = (message: string): never => {
  throw new CaError('invalid_import', message);
};

function certificate(text: string, what: string): CaCertificate {
  try {
    return readCaCertificate(fromPem(text, 'CERTIFICATE'));
  } catch {
    return refuse(`the ${what} is not one PEM CA certificate (basicConstraints cA=true)`);
  }
}

/** keyUsage must allow keyCertSign (RFC 5280 §4.2.1.3) when the extension is present. */
function canSignCertificates(ca: CaCertificate): boolean {
  const ku = extensionsOf(tbsMembers(ca.der).members).get(OID.keyUsage);
  return ku === undefined || ((ku.value.content[1] ?? 0) & 0x04) !== 0;
}

function checkUsable(ca: CaCertificate, now: number, what: string): void {
  if (ca.notBefore > now || ca.notAfter <= now) refuse(`the ${what} is not valid now`);
  if (ca.notAfter - now < 2 * 86_400_000) refuse(`the ${what} expires within two days`);
  if (!canSignCertificates(ca)) refuse(`the ${what} keyUsage does not allow keyCertSign`);
}

const selfSigned = (ca: CaCertificate) => ca.x509.checkIssued(ca.x509) && ca.x509.verify(ca.publicKey);

/**
 * Checks an import and returns the rows to activate (docs/ca.md, "Import"):
 *
 * - a self-signed root with its key: a new issuing CA is made under it, and rotates as usual;
 * - an issuing CA with its key and the root that signed it: it issues until it expires; we cannot
 *   make its successor (we do not hold the root's key), so the operator imports the next one.
 *
 * Refuses (CaError `invalid_import`) a key that does not match, a certificate that is not a CA, not
 * valid now, not allowed to sign certificates, or not signed by the given root; and keys other than
 * EC P-256/P-384, RSA 2048+ and Ed25519.
 */
export function importAuthority(input: CaImport, options: ImportOptions): { root: CaAuthorityRecord; intermediate: CaAuthorityRecord } {
  if (typeof input?.certificatePem !== 'string' || typeof input.privateKeyPem !== 'string') throw new TypeError('certificatePem and privateKeyPem must be strings');
  const ca = certificate(input.certificatePem, 'certificate');
  checkUsable(ca, options.now, 'certificate');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: input.privateKeyPem, format: 'pem' });
  } catch {
    return refuse('the private key is not an unencrypted PEM private key');
  }
  let signing;
  try {
    signing = signingCa(ca.der, key);
  } catch (error) {
    return refuse(error instanceof TypeError ? error.message : 'the private key cannot sign certificates');
  }
  const { id, sealed } = sealImportedKey(options.masterKey, ca.der, key);

  if (selfSigned(ca)) {
    if (input.rootCertificatePem !== undefined) refuse('a self-signed certificate is a root: do not give rootCertificatePem');
    const root = candidateRecord('root', ca, sealed, null, options.now, true);
    const intermediate = makeIntermediateCa(signing, id, options).record;
    return { root, intermediate };
  }
  if (input.rootCertificatePem === undefined) return refuse('an issuing CA needs rootCertificatePem: the root that signed it');
  const root = certificate(input.rootCertificatePem, 'root certificate');
  if (!selfSigned(root)) refuse('the root certificate is not self-signed');
  if (!ca.x509.checkIssued(root.x509) || !ca.x509.verify(root.publicKey)) refuse('the certificate is not signed by the root certificate');
  if (root.notAfter <= options.now) refuse('the root certificate has expired');
  const rootRecord = candidateRecord('root', root, null, null, options.now, true);
  return { root: rootRecord, intermediate: candidateRecord('intermediate', ca, sealed, rootRecord.id, options.now, true) };
}
