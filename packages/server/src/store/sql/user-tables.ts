/** The people tables (migration `0017-people`), part of the shared `Database` type. */
export interface UserTables {
  users: UsersTable;
  user_sessions: UserSessionsTable;
}

/** One person (user-store.ts `UserRecord`). */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  /** JSON array of strings. */
  groups: string;
  /** JSON array of role names. */
  roles: string;
  status: string;
  password_hash: string | null;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/** One browser session (user-store.ts `SessionRecord`). */
export interface UserSessionsTable {
  id_hash: string;
  user_id: string;
  stage: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}
