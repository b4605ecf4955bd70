import type { Kysely } from 'kysely';

/*
 * Frozen in time (see 0001-initial.ts): approvals of risky actions (OpenID CIBA Core 1.0 with
 * RFC 9396 authorization details, docs/approvals.md), and the two CIBA client metadata fields an
 * agent registers. An `auth_req_id` is stored as its SHA-256 only; the primary key is a public
 * handle, never the secret. A ping-mode client's notification token is sealed under the master
 * key, together with the `auth_req_id` its callback must carry (CIBA Core 1.0 §10.2). Portable between SQLite and PostgreSQL.
 */

/** Creates `approvals` and adds the agents' CIBA delivery columns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('backchannel_token_delivery_mode', 'text').execute();
  await db.schema.alterTable('agents').addColumn('backchannel_client_notification_endpoint', 'text').execute();
  await db.schema
    .createTable('approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // base64url SHA-256 of the auth_req_id.
    .addColumn('request_hash', 'text', (c) => c.notNull().unique())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    // `user:<id>` or `group:<name>`.
    .addColumn('approver', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('authorization_details', 'text', (c) => c.notNull())
    .addColumn('binding_message', 'text')
    .addColumn('delivery_mode', 'text', (c) => c.notNull())
    // Ping mode: the client_notification_token and the auth_req_id the callback carries, sealed.
    .addColumn('ping_secrets', 'text')
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('last_polled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('approvals_approver_idx').on('approvals').columns(['approver', 'status', 'expires_at']).execute();
  await db.schema.createIndex('approvals_agent_idx').on('approvals').columns(['agent_id', 'status', 'expires_at']).execute();
}

/** Drops them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('approvals').execute();
  await db.schema.alterTable('agents').dropColumn('backchannel_client_notification_endpoint').execute();
  await db.schema.alterTable('agents').dropColumn('backchannel_token_delivery_mode').execute();
}
