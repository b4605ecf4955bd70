/** The authorization-code tables (migration `0019-authorization-code`), part of the shared `Database` type. */
export interface AuthorizationTables {
  public_clients: PublicClientsTable;
  authorization_grants: AuthorizationGrantsTable;
  consents: ConsentsTable;
}

/** authorization-store.ts `PublicClientRecord`. */
export interface PublicClientsTable {
  client_id: string;
  name: string;
  /** JSON array of strings. */
  redirect_uris: string;
  /** JSON array of strings. */
  scopes: string;
  created_at: number;
}

/** authorization-store.ts `AuthorizationGrantRecord`. */
export interface AuthorizationGrantsTable {
  id: string;
  code_hash: string;
  code_expires_at: number;
  code_used_at: number | null;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string;
  resource: string;
  /** JSON array of strings. */
  scopes: string;
  refresh_hash: string | null;
  refresh_expires_at: number | null;
  refresh_jkt: string | null;
  revoked_at: number | null;
  created_at: number;
}

/** authorization-store.ts `ConsentRecord`. */
export interface ConsentsTable {
  user_id: string;
  client_id: string;
  resource: string;
  /** JSON array of strings. */
  scopes: string;
  granted_at: number;
}
