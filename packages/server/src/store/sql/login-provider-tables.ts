/** The upstream login tables (migration `0018-login-providers`), part of the shared `Database` type. */
export interface LoginProviderTables {
  login_providers: LoginProvidersTable;
  login_requests: LoginRequestsTable;
}

/** One upstream provider (login-provider-store.ts `LoginProviderRecord`). */
export interface LoginProvidersTable {
  id: string;
  display_name: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  /** JSON. */
  scopes: string;
  claims: string;
  group_roles: string;
  allowed_domains: string;
  /** 0 or 1. */
  just_in_time: number;
  created_at: number;
  updated_at: number;
}

/** One pending sign-in (login-provider-store.ts `LoginRequestRecord`). */
export interface LoginRequestsTable {
  state_hash: string;
  provider_id: string;
  sealed: string;
  return_to: string;
  expires_at: number;
}
