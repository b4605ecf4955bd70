/**
 * The certificate authority's tables (migration `0002-ca`), part of the one `Database`
 * type (`database.ts`).
 */
export interface CaTables {
  ca_authorities: CaAuthoritiesTable;
  ca_certificates: CaCertificatesTable;
  ca_crls: CaCrlsTable;
  /** Migration `0009-ca-revocations`: one row (`id` 1), bumped with every revocation. */
  ca_revocations_change: { id: number; counter: number };
}

/** One CA of the hierarchy (ca-store.ts `CaAuthorityRecord`). */
export interface CaAuthoritiesTable {
  id: string;
  kind: string;
  state: string;
  certificate: string;
  encrypted_private_key: string | null;
  parent_id: string | null;
  /** 0 or 1. */
  external: number;
  created_at: number;
  activated_at: number | null;
  not_after: number;
}

/** One issued certificate (ca-store.ts `IssuedCertificateRecord`). */
export interface CaCertificatesTable {
  serial: string;
  agent_id: string | null;
  kind: string;
  ca_id: string;
  issued_at: number;
  not_after: number;
  revoked_at: number | null;
}

/** The current CRL of one issuing CA (ca-store.ts `CrlRecord`). */
export interface CaCrlsTable {
  ca_id: string;
  number: number;
  this_update: number;
  next_update: number;
  der: string;
}
