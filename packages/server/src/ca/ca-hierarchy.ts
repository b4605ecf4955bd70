import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Random } from '../random.js';
import { openBox, sealBox } from '../keys/sealed-box.js';
import { children, readBitStringBytes, readDer } from '../der/der-reader.js';
import { signingCa, readCaCertificate, type SigningCa } from './ca-certificate.js';
import type { CaAuthorityRecord } from '../store/ports/ca-store.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  buildCertificate,
  distinguishedName,
  KEY_USAGE,
  keyIdentifier,
  randomSerial,
  subjectKeyIdentifier,
} from './certificate-builder.js';
import { OID } from './oids.js';
import { caSigner } from './signature-algorithms.js';

/** Root CAs we make live this long (ms); they are not rotated automatically (docs/ca.md). */
export const ROOT_LIFETIME_MS = 10 * 365 * 86_400_000;

/** CA certificates are backdated this much (ms), for relying parties whose clocks run behind. */
export const CA_BACKDATE_MS = 60_000;

/** The associated data a CA key is sealed with: a key moved onto another CA's row no longer opens. */
export const caKeyAad = (id: string): string => `ca:${id}`;

/** A freshly made CA: the row to store, and the CA ready to sign. */
export interface CaCandidate {
  record: CaAuthorityRecord;
  ca: SigningCa;
}

function newKey(): { privateKey: KeyObject; spki: Buffer; keyBits: Buffer } {
  // P-256 ECDSA: small signatures, and the fastest signing node:crypto offers.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, spki, keyBits: readBitStringBytes(children(readDer(spki))[1]) };
}

function seal(masterKey: Buffer, id: string, privateKey: KeyObject): string {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    return sealBox(masterKey, caKeyAad(id), der);
  } finally {
    der.fill(0);
  }
}

/** Opens a stored CA's private key and checks it against its certificate. */
export function openSigningCa(masterKey: Buffer, record: CaAuthorityRecord): SigningCa {
  if (record.encryptedPrivateKey === null) throw new TypeError(`CA ${record.id} has no private key here`);
  const der = openBox(masterKey, caKeyAad(record.id), record.encryptedPrivateKey);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
  return signingCa(Buffer.from(record.certificate, 'base64'), privateKey);
}

interface MakeOptions {
  trustDomain: string;
  now: number;
  random: Random;
  masterKey: Buffer;
}

/**
 * A self-signed root CA for the trust domain (RFC 5280 §4.2.1.9 cA=true, keyUsage keyCertSign and
 * cRLSign, SKI), P-256, valid {@link ROOT_LIFETIME_MS}.
 */
export function makeRootCa(options: MakeOptions): CaCandidate {
  const key = newKey();
  const keyId = keyIdentifier(key.keyBits);
  const name = distinguishedName([
    [OID.organizationName, 'agentauth'],
    [OID.commonName, `agentauth root CA ${options.trustDomain}`],
  ]);
  const der = buildCertificate(
    {
      serial: randomSerial(options.random),
      issuer: name,
      subject: name,
      notBefore: options.now - CA_BACKDATE_MS,
      notAfter: options.now + ROOT_LIFETIME_MS,
      spki: key.spki,
      extensions: [basicConstraints(true, 1), KEY_USAGE.certAndCrlSign, subjectKeyIdentifier(keyId)],
    },
    caSigner(key.privateKey),
  );
  const ca = signingCa(der, key.privateKey);
  if (!ca.x509.verify(ca.publicKey) || !ca.x509.checkIssued(ca.x509)) throw new Error('new root CA certificate failed validation');
  return { ca, record: candidateRecord('root', ca, seal(options.masterKey, keyId.toString('hex'), key.privateKey), null, options.now) };
}

/**
 * An issuing CA signed by `root` (cA=true, pathLen 0), P-256, valid `lifetimeMs` but never beyond
 * the root. Checked after signing: it must chain to the root with node:crypto.
 */
export function makeIntermediateCa(root: SigningCa, rootId: string, options: MakeOptions & { lifetimeMs: number }): CaCandidate {
  const key = newKey();
  const keyId = keyIdentifier(key.keyBits);
  const der = buildCertificate(
    {
      serial: randomSerial(options.random),
      issuer: root.subject,
      subject: distinguishedName([
        [OID.organizationName, 'agentauth'],
        [OID.commonName, `agentauth issuing CA ${options.trustDomain} ${keyId.subarray(0, 4).toString('hex')}`],
      ]),
      notBefore: Math.max(options.now - CA_BACKDATE_MS, root.notBefore),
      notAfter: Math.min(options.now + options.lifetimeMs, root.notAfter),
      spki: key.spki,
      extensions: [basicConstraints(true, 0), KEY_USAGE.certAndCrlSign, subjectKeyIdentifier(keyId), authorityKeyIdentifier(root.keyId)],
    },
    root.signer,
  );
  const ca = signingCa(der, key.privateKey);
  if (!ca.x509.checkIssued(root.x509) || !ca.x509.verify(root.publicKey)) throw new Error('new issuing CA certificate failed validation');
  return { ca, record: candidateRecord('intermediate', ca, seal(options.masterKey, keyId.toString('hex'), key.privateKey), rootId, options.now) };
}

/** The row of a CA certificate (made here or imported), in no slot yet: the plan decides. */
export function candidateRecord(kind: 'root' | 'intermediate', ca: { keyId: Buffer; der: Buffer; notAfter: number }, sealedKey: string | null, parentId: string | null, now: number, external = false): CaAuthorityRecord {
  return {
    id: ca.keyId.toString('hex'),
    kind,
    state: 'prepared',
    certificate: ca.der.toString('base64'),
    encryptedPrivateKey: sealedKey,
    parentId,
    external,
    createdAt: now,
    activatedAt: null,
    notAfter: ca.notAfter,
  };
}

/** Seals an imported CA's key under the master key for its row. */
export function sealImportedKey(masterKey: Buffer, der: Buffer, privateKey: KeyObject): { id: string; sealed: string } {
  const id = readCaCertificate(der).keyId.toString('hex');
  return { id, sealed: seal(masterKey, id, privateKey) };
}
