/** The passkey tables (migration `0030-passkeys`), part of the shared `Database` type. */
export interface PasskeyTables {
  passkeys: PasskeysTable;
  webauthn_challenges: WebAuthnChallengesTable;
}

/** One passkey (passkey-store.ts `PasskeyRecord`). */
export interface PasskeysTable {
  credential_id: string;
  user_id: string;
  public_key: string;
  counter: number;
  /** JSON array of strings. */
  transports: string;
  name: string;
  /** 0 or 1. */
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

/** One ceremony's challenge (passkey-store.ts `WebAuthnChallengeRecord`). */
export interface WebAuthnChallengesTable {
  challenge_hash: string;
  purpose: string;
  binding_hash: string;
  user_id: string | null;
  expires_at: number;
}
