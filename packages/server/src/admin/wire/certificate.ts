import { KEY_SLOTS } from '../../key-slot.js';
import { Type, type Static } from 'typebox';
import { MAX_CSR_BYTES } from '../../ca/certification-request.js';
import { AgentId } from './agent.js';
import { Enum, List, NullableString, NullableTime, Page, Time } from './primitives.js';

/**
 * The built-in CA on the admin API's wire: issued certificates and the CA hierarchy
 * (docs/admin-api.md, docs/ca.md). Certificates are never stored, so a listing shows their facts.
 */

/** Largest and default page size of the certificate list. */
export const CERTIFICATE_PAGE_LIMIT_MAX = 1000;
export const CERTIFICATE_PAGE_LIMIT_DEFAULT = 100;

const Pem = Type.String({ minLength: 1, maxLength: 16384 });

/** `GET /certificates` query. */
export const ListCertificatesQuery = Type.Object(
  {
    agent_id: Type.Optional(AgentId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CERTIFICATE_PAGE_LIMIT_MAX, default: CERTIFICATE_PAGE_LIMIT_DEFAULT })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListCertificatesQuery = Static<typeof ListCertificatesQuery>;

/** Path parameters of `/certificates/{serial}/...`: hex, colons and `0x` accepted. */
export const CertificateParams = Type.Object({ serial: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

/** `POST /agents/{id}/certificates` body: a PEM PKCS#10 request made by the caller, who keeps the key. */
export const IssueCertificateRequest = Type.Object({ csr: Type.String({ minLength: 1, maxLength: MAX_CSR_BYTES * 2 }) }, { additionalProperties: false });
export type IssueCertificateRequest = Static<typeof IssueCertificateRequest>;

/** `POST /ca/import` body: an external root (certificate + key) or issuing CA (+ its root), PEM. */
export const ImportCaRequest = Type.Object(
  { certificate: Pem, private_key: Pem, root_certificate: Type.Optional(Pem) },
  { additionalProperties: false },
);
export type ImportCaRequest = Static<typeof ImportCaRequest>;

/** An issued certificate. */
export const Certificate = Type.Object(
  {
    serial: Type.String({ description: 'lowercase hex' }),
    agent_id: NullableString,
    kind: Enum(['agent', 'server']),
    ca_id: Type.String(),
    issued_at: Time,
    not_after: Time,
    revoked_at: NullableTime,
  },
  { description: 'An issued certificate (docs/ca.md); the certificate itself is never stored.' },
);
export type Certificate = Static<typeof Certificate>;

/** `GET /certificates` answer, newest first. */
export const CertificatePage = Page(Certificate);
export type CertificatePage = Static<typeof CertificatePage>;

/** `POST /agents/{id}/certificates` answer: the agent's X.509-SVID and the trust bundle, PEM. */
export const IssuedCertificate = Type.Object({
  spiffe_id: Type.String(),
  serial: Type.String(),
  certificate_chain: Type.String(),
  trust_bundle: Type.String(),
  expires_at: Time,
});
export type IssuedCertificate = Static<typeof IssuedCertificate>;

/** One root or issuing CA of the hierarchy. */
export const Authority = Type.Object({
  id: Type.String(),
  kind: Enum(['root', 'intermediate']),
  state: Enum(KEY_SLOTS),
  subject: NullableString,
  not_before: NullableTime,
  not_after: Time,
  external: Type.Boolean(),
  has_key: Type.Boolean(),
  activated_at: NullableTime,
  certificate_pem: NullableString,
});
export type Authority = Static<typeof Authority>;

/** `GET /ca` answer, and that of rotating or importing. */
export const CertificateAuthority = Type.Object({
  trust_domain: Type.String(),
  active_id: NullableString,
  authorities: Type.Array(Authority),
});
export type CertificateAuthority = Static<typeof CertificateAuthority>;

/** One issuing CA's current CRL, as `GET /ca/crls` shows it (the CRL itself is at `/ca/v1/crl/{id}`). */
export const CrlStatus = Type.Object({
  ca_id: Type.String(),
  /** Null until the first CRL of this CA is issued. */
  crl_number: Type.Union([Type.Integer(), Type.Null()]),
  this_update: NullableTime,
  next_update: NullableTime,
  /** Revoked certificates of this CA not yet expired: what its CRL lists. */
  revoked_certificates: Type.Integer(),
});
export type CrlStatus = Static<typeof CrlStatus>;

/** `GET /ca/crls` answer: every issuing CA, active first. */
export const CrlStatusList = List(CrlStatus);
export type CrlStatusList = Static<typeof CrlStatusList>;
