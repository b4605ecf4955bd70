import type { SigningCa } from './ca-certificate.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  buildCertificate,
  crlDistributionPoint,
  EMPTY_NAME,
  extendedKeyUsage,
  KEY_USAGE,
  keyIdentifier,
  subjectAltName,
  subjectKeyIdentifier,
} from './certificate-builder.js';
import { OID } from './oids.js';
import type { SubjectPublicKey } from './subject-public-key.js';

/** What varies from one end-entity certificate to the next. */
export interface LeafRequest {
  serial: Buffer;
  notBefore: number;
  notAfter: number;
  publicKey: Pick<SubjectPublicKey, 'spki' | 'keyBits'>;
  /** The SPIFFE ID (agent SVIDs), as the one URI SAN. */
  spiffeId?: string;
  /** DNS names and IP addresses (server certificates). */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  clientAuth: boolean;
  serverAuth: boolean;
}

/**
 * The end-entity certificate template of one issuing CA (SPIRE's "template, sign, validate"): the
 * extensions every leaf shares are encoded once, when the CA is loaded, and per certificate only the
 * serial, validity, SAN, key and key identifier are encoded. The profile (SPIFFE X509-SVID §4,
 * RFC 5280 §4.2): empty subject, critical SAN, basicConstraints cA=false (critical), keyUsage
 * digitalSignature (critical), extKeyUsage clientAuth and/or serverAuth, AKI/SKI, and one CRL
 * distribution point.
 */
export class LeafTemplate {
  private readonly shared: Buffer[];
  private readonly usages: Map<string, Buffer>;

  constructor(
    readonly ca: SigningCa,
    readonly crlUrl: string,
  ) {
    this.shared = [basicConstraints(false), KEY_USAGE.digitalSignature, authorityKeyIdentifier(ca.keyId), crlDistributionPoint(crlUrl)];
    this.usages = new Map([
      ['c', extendedKeyUsage([OID.clientAuth])],
      ['s', extendedKeyUsage([OID.serverAuth])],
      ['cs', extendedKeyUsage([OID.serverAuth, OID.clientAuth])],
    ]);
  }

  /** Encodes and signs one leaf. Validation is the caller's next step (see `checkLeaf`). */
  issue(request: LeafRequest): Buffer {
    const usage = this.usages.get(`${request.clientAuth ? 'c' : ''}${request.serverAuth ? 's' : ''}`);
    if (usage === undefined) throw new TypeError('a leaf needs clientAuth, serverAuth or both');
    const names = { uris: request.spiffeId === undefined ? [] : [request.spiffeId], dns: request.dnsNames ?? [], ips: request.ipAddresses ?? [] };
    return buildCertificate(
      {
        serial: request.serial,
        issuer: this.ca.subject,
        subject: EMPTY_NAME,
        notBefore: request.notBefore,
        notAfter: request.notAfter,
        spki: request.publicKey.spki,
        extensions: [...this.shared, usage, subjectAltName(names, true), subjectKeyIdentifier(keyIdentifier(request.publicKey.keyBits))],
      },
      this.ca.signer,
    );
  }
}
