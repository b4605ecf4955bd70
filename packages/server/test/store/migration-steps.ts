import { Migrator, type Kysely, type Migration } from 'kysely';
import { expect } from 'vitest';
import { migrations } from '../../src/store/sql/migrations/migration-list.js';
import { T0 } from './fixtures.js';

/** A migrator over `db` that knows the migrations up to and including `last` only. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function migratorUntil(db: Kysely<any>): (last: string) => Migrator {
  const names = Object.keys(migrations).sort();
  return (last) => new Migrator({ db, provider: { getMigrations: async () => Object.fromEntries(names.filter((n) => n <= last).map((n) => [n, migrations[n] as Migration])) } });
}

/**
 * 0012 on a database migrated to 0011 with a signing key in each old slot: `next` and `retired`
 * become `prepared` and `old`, `active` stays, and down and up again round-trip. Run on every backend.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function expectSigningKeySlotsRenamed(db: Kysely<any>): Promise<void> {
  const until = migratorUntil(db);
  expect((await until('0011-replay-claim-expiry-key').migrateToLatest()).error).toBeUndefined();
  const row = (kid: string, state: string) => ({ kid, alg: 'ES256', state, public_jwk: '{}', encrypted_private_key: 'c2VhbGVk', created_at: T0, activated_at: null, retired_at: null, expires_at: null });
  await db.insertInto('signing_keys').values([row('k-active', 'active'), row('k-next', 'next'), row('k-retired', 'retired')]).execute();
  const states = async () => (await db.selectFrom('signing_keys').select(['kid', 'state']).orderBy('kid').execute()).map((r: { kid: string; state: string }) => `${r.kid}=${r.state}`);
  const renamed = ['k-active=active', 'k-next=prepared', 'k-retired=old'];

  const migrator = until('0012-signing-key-slots');
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect(await states()).toEqual(renamed);
  expect((await migrator.migrateDown()).error).toBeUndefined();
  expect(await states()).toEqual(['k-active=active', 'k-next=next', 'k-retired=retired']);
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect(await states()).toEqual(renamed);
}

/**
 * 0014 on a database migrated to 0013 with a stream: the stream counts as seen when it was last
 * updated (so the upgrade itself expires nothing), and down and up again round-trip. Run on every backend.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function expectStreamLastSeenAdded(db: Kysely<any>): Promise<void> {
  const until = migratorUntil(db);
  expect((await until('0013-audit-checkpoints').migrateToLatest()).error).toBeUndefined();
  await db
    .insertInto('ssf_streams')
    .values({
      stream_id: 's1',
      owner_agent_id: 'a1',
      aud: '["a1"]',
      events_requested: null,
      events_delivered: '[]',
      delivery_method: 'urn:ietf:rfc:8936',
      endpoint_url: null,
      sealed_authorization_header: null,
      description: null,
      status: 'enabled',
      status_reason: null,
      created_at: T0,
      updated_at: T0 + 5,
      last_verification_at: null,
      push_delivered: 0,
      push_failed: 0,
      last_push_at: null,
      last_push_error: null,
    })
    .execute();
  const lastSeen = async () => Number((await db.selectFrom('ssf_streams').select('last_seen_at').where('stream_id', '=', 's1').executeTakeFirstOrThrow()).last_seen_at);

  const migrator = until('0014-ssf-stream-last-seen');
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect(await lastSeen()).toBe(T0 + 5);
  expect((await migrator.migrateDown()).error).toBeUndefined();
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect(await lastSeen()).toBe(T0 + 5);
}
