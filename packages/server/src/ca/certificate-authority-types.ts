import type { CertificatePolicy } from './certificate-policy.js';
import type { X509Certificate } from 'node:crypto';
import type { CommitLog } from '../audit/commit-log.js';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { RevocationEvents } from '../events/revocation-events.js';
import type { Store } from '../store/store.js';
import type { CaStore } from '../store/ports/ca-store.js';

/** Longest certificate lifetime, whatever is configured or asked: 24 hours. */
export const MAX_CERTIFICATE_TTL = 86_400;
/** Leaves are backdated this much (ms) for relying parties whose clocks run a little behind. */
export const LEAF_BACKDATE_MS = 30_000;
/**
 * The agent label that lets an agent's SVID also serve TLS (extKeyUsage serverAuth): `"true"`.
 * Without it an SVID is for clientAuth only (docs/ca.md, "Profile").
 */
export const SERVES_LABEL = 'agentauth/serves';

export interface CertificateAuthorityDeps {
  store: CaStore;
  /** Agents are read to check they are active before a certificate names them. */
  agents: Pick<Store, 'getAgent'>;
  masterKey: Buffer;
  clock: Clock;
  random: Random;
  /** Certificates are recorded through it, atomically with their `certificate.issued` record. */
  commitLog: CommitLog;
  events: RevocationEvents;
  logger: { info(msg: string): void; warn(msg: string): void; error(obj: unknown, msg: string): void };
  /** The policy layer's decision on agent certificates; without it, active agents get them. */
  policy?: CertificatePolicy;
  /** Our issuer identifier: the base of the CRL distribution point URLs. */
  issuer: string;
  trustDomain: string;
  /** Default leaf lifetime, seconds (capped at {@link MAX_CERTIFICATE_TTL}). */
  certificateTtl: number;
  /** Lifetime of each issuing CA, seconds. */
  intermediateTtl: number;
}

/** Who asked, for the audit record. */
export interface CaRequestContext {
  actor?: string | null;
  sourceIp?: string | null;
  requestId?: string | null;
}

/** A certificate just issued, checked after signing. */
export interface IssuedCertificate {
  serial: string;
  /** DER of the leaf. */
  certificate: Buffer;
  /** Leaf then issuing CA, PEM (what a TLS peer presents). */
  chainPem: string;
  notAfter: number;
  /** The URI SAN (agents) or null (server certificates). */
  spiffeId: string | null;
}

/** How an agent certificate is issued besides the CSR. */
export interface IssueOptions {
  /**
   * The agent's current certificate (DER) that authenticated this request over mutual TLS
   * (renewal): its serial is audited as `renewed_serial`.
   */
  renewing?: Buffer;
  /**
   * RFC 7030 §4.2.2 (`/simplereenroll`): the CSR's subject and subjectAltName must be identical to
   * those of `renewing` (`identity_changed` otherwise). Needs `renewing`.
   */
  sameIdentity?: boolean;
}

/** The trust anchors and issuing CAs relying parties need (SPIFFE bundle, `openssl verify -CAfile`). */
export interface TrustBundle {
  /** Roots, then issuing CAs (prepared, active and old while live), PEM. */
  pem: string;
  /** Trust anchors. */
  roots: X509Certificate[];
  /** Issuing CAs, for chain building (`-untrusted`, a TLS server's `ca` list may hold them too). */
  intermediates: X509Certificate[];
}
