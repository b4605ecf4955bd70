/**
 * The federation tables (migration `0005-federation`), described apart from `database.ts` so the
 * feature owns its schema: queries use `ctx.db.withTables<FederationTables>()`.
 */
export type FederationTables = {
  trusted_issuers: TrustedIssuersTable;
  binding_rules: BindingRulesTable;
  federation_change: FederationChangeTable;
};

/** One trusted issuer (federation-store.ts `TrustedIssuerRecord`). */
export interface TrustedIssuersTable {
  id: string;
  issuer: string;
  jwks_uri: string | null;
  /** JSON JWK Set, or null. */
  jwks: string | null;
  /** JSON array of strings. */
  audiences: string;
  /** JSON array of strings. */
  algorithms: string;
  max_token_lifetime: number;
  /** 0 or 1. */
  allow_token_reuse: number;
  description: string;
  created_at: number;
  updated_at: number;
}

/** One binding rule (federation-store.ts `BindingRuleRecord`). */
export interface BindingRulesTable {
  id: string;
  issuer_id: string;
  agent_id: string;
  /** JSON object: JSON Pointer -> string. */
  claims: string;
  description: string;
  created_at: number;
  updated_at: number;
}

/** A single row (`id = 1`) bumped by every federation change, polled by caches on every node. */
export interface FederationChangeTable {
  id: number;
  counter: number;
}
