import type { Kysely } from 'kysely';

/*
 * Frozen in time: this migration speaks `Kysely<any>` and never imports the current `Database`
 * type, so later schema changes cannot silently rewrite what an existing database went through.
 * Every statement is portable between SQLite and PostgreSQL (`bigint` is INTEGER affinity in
 * SQLite), so one migration set serves both dialects.
 */

/** Creates the initial schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_folded', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
    .addColumn('access_token_ttl', 'integer')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('jwks_uri', 'text')
    .addColumn('revoked_before', 'bigint')
    .addColumn('registration_access_token_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agents_owner_idx').on('agents').columns(['owner', 'id']).execute();
  await db.schema.createIndex('agents_status_idx').on('agents').columns(['status', 'id']).execute();

  await db.schema
    .createTable('agent_labels')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_labels_pk', ['agent_id', 'key'])
    .execute();
  await db.schema.createIndex('agent_labels_key_value_idx').on('agent_labels').columns(['key', 'value', 'agent_id']).execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('jwk', 'text')
    .addColumn('kid', 'text')
    .addColumn('secret_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('credentials_agent_idx').on('credentials').columns(['agent_id', 'created_at']).execute();

  await db.schema
    .createTable('agents_change')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('agents_change').values({ id: 1, counter: 0 }).execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('encrypted_private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();

  await db.schema.createTable('store_locks').addColumn('name', 'text', (c) => c.primaryKey()).execute();
  await db.insertInto('store_locks').values({ name: 'signing_keys' }).execute();

  await db.schema
    .createTable('issued_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('parent_jti', 'text')
    .execute();
  await db.schema.createIndex('issued_tokens_expires_idx').on('issued_tokens').column('expires_at').execute();
  await db.schema.createIndex('issued_tokens_agent_idx').on('issued_tokens').column('agent_id').execute();
  await db.schema.createIndex('issued_tokens_parent_idx').on('issued_tokens').column('parent_jti').execute();

  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_tokens_revoked_idx').on('revoked_tokens').column('revoked_at').execute();
  await db.schema.createIndex('revoked_tokens_expires_idx').on('revoked_tokens').column('expires_at').execute();

  await db.schema
    .createTable('replay_claims')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('replay_claims_expires_idx').on('replay_claims').column('expires_at').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('actor', 'text')
    .addColumn('source_ip', 'text')
    .addColumn('reason', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_agent_idx').on('audit_log').columns(['agent_id', 'seq']).execute();
  await db.schema.createIndex('audit_log_event_idx').on('audit_log').columns(['event', 'seq']).execute();
  await db.schema.createIndex('audit_log_time_idx').on('audit_log').column('time').execute();

  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  // The genesis record's prevHash is the empty string.
  await db.insertInto('audit_chain_head').values({ id: 1, seq: 0, hash: '' }).execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

/** Drops the initial schema (children before parents). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'settings',
    'audit_chain_head',
    'audit_log',
    'replay_claims',
    'revoked_tokens',
    'issued_tokens',
    'store_locks',
    'signing_keys',
    'agents_change',
    'credentials',
    'agent_labels',
    'agents',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
