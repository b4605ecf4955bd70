import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): people's WebAuthn passkeys and the challenges of
 * ceremonies in progress (docs/people.md, "Passkeys"). A passkey holds no secret: its credential
 * id and COSE public key are what the authenticator made public. A challenge is keyed by its
 * SHA-256 and bound to what started it (a session, or the sign-in form's cookie) by another
 * SHA-256, so the table holds nothing a browser could present. Portable between SQLite and
 * PostgreSQL.
 */

/** Creates `passkeys` and `webauthn_challenges`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('passkeys')
    // The credential id (W3C WebAuthn Level 2 §4, "Credential ID"), base64url.
    .addColumn('credential_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The COSE_Key (RFC 9052 §7) the authenticator gave at registration, base64url.
    .addColumn('public_key', 'text', (c) => c.notNull())
    // The signature counter last accepted (§6.1.1).
    .addColumn('counter', 'bigint', (c) => c.notNull())
    // JSON array of the transports the authenticator named (§5.8.4).
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // Whether the credential may be synced (the BS flag, §6.1): shown to its owner.
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('passkeys_user_idx').on('passkeys').columns(['user_id', 'created_at']).execute();
  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('challenge_hash', 'text', (c) => c.primaryKey())
    // `register` or `sign_in`: a challenge serves the ceremony it was made for only.
    .addColumn('purpose', 'text', (c) => c.notNull())
    // SHA-256 of the session id (register) or of the sign-in form's cookie (sign_in).
    .addColumn('binding_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expires_idx').on('webauthn_challenges').column('expires_at').execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webauthn_challenges').execute();
  await db.schema.dropTable('passkeys').execute();
}
