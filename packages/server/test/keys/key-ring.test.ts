import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessTokenClaims } from '@agentauth/protocol';
import { AccessTokenError, verifyAccessToken } from '@agentauth/resource-server';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { epochSeconds, FrozenClock } from '../../src/clock.js';
import { createSigningKeyRing, type RotatingSigningKeyRing, type SigningKeyRingDeps } from '../../src/keys/key-ring.js';
import { RotationTooSoonError } from '../../src/keys/rotation-too-soon-error.js';
import { openBox, SealedBoxError } from '../../src/keys/sealed-box.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { SigningKeyRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { MAX_ACCESS_TOKEN_TTL } from '../../src/tokens/limits.js';
import { mintAccessToken } from '../../src/tokens/mint-access-token.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const HOUR = 3_600_000;
const ROTATION_INTERVAL = 7 * 86_400;
const quiet = { info: () => undefined, warn: () => undefined };

type Backend = 'sqlite' | 'postgres';

interface Node {
  ring: RotatingSigningKeyRing;
  store: Store;
  /** The `signing_key.*` audit records of the shared database, oldest first. */
  events(): Promise<{ event: string; kid: string }[]>;
}

interface Cluster {
  clock: FrozenClock;
  masterKey: Buffer;
  dataDir: string;
  /** A node: its own store connection to the shared database, and its own ring. */
  node(overrides?: Partial<SigningKeyRingDeps>): Promise<Node>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(backend: Backend): Promise<Cluster> {
  const clock = new FrozenClock(Date.UTC(2026, 0, 1));
  const masterKey = randomBytes(32);
  const dataDir = await mkdtemp(join(tmpdir(), 'agentauth-keys-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    const database = await createPostgresDatabase();
    cleanups.push(database.drop);
    databaseUrl = database.url;
  }
  return {
    clock,
    masterKey,
    dataDir,
    async node(overrides = {}) {
      const store = await openStore({ databaseUrl, dataDir, migrate: true });
      cleanups.push(() => store.close());
      const events = async () =>
        (await store.readAuditRange(1, 1000)).filter((r) => r.event.startsWith('signing_key.')).map((r) => ({ event: r.event, kid: r.details['kid'] as string }));
      const ring = createSigningKeyRing({
        store,
        masterKey,
        clock,
        alg: 'ES256',
        rotationInterval: ROTATION_INTERVAL,
        accessTokenTtl: 300,
        logger: quiet,
        ...overrides,
      });
      return { ring, store, events };
    },
  };
}

function claims(clock: FrozenClock, ttl: number): AccessTokenClaims {
  const now = epochSeconds(clock);
  return { iss: ISSUER, sub: 'agent-1', aud: AUDIENCE, iat: now, nbf: now, exp: now + ttl, jti: randomBytes(8).toString('hex'), client_id: 'agent-1' };
}

/** Verifies as a resource server would, against the ring's published keys (the admin API's path). */
async function verify(ring: RotatingSigningKeyRing, clock: FrozenClock, token: string): Promise<string> {
  try {
    await verifyAccessToken(token, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256', 'EdDSA', 'PS256'],
      getKey: ({ kid }) => (kid === undefined ? undefined : ring.publicKey(kid)?.key),
      now: () => clock.now(),
      clockSkewSeconds: 0,
    });
    return 'valid';
  } catch (error) {
    if (error instanceof AccessTokenError) return error.code;
    throw error;
  }
}

const kids = (ring: RotatingSigningKeyRing): string[] => ring.jwks().keys.map((key) => key.kid as string).sort();
const byState = (keys: SigningKeyRecord[], state: SigningKeyRecord['state']) => keys.filter((key) => key.state === state).map((key) => key.kid);

describe.each(['sqlite', 'postgres'] as const)('signing key ring on %s', (backend) => {
  it('starts with nothing, then the first sync creates an active key that signs and a prepared key that only is published', async () => {
    const { node, clock } = await cluster(backend);
    const { ring, store, events } = await node();
    expect(ring.ready()).toBe(false);
    expect(() => ring.signer()).toThrow(/not loaded/);

    await ring.sync();
    expect(ring.ready()).toBe(true);
    const stored = await store.listSigningKeys(clock.now());
    expect(byState(stored, 'active')).toEqual([ring.signer().kid]);
    expect(byState(stored, 'prepared')).toHaveLength(1);
    expect(kids(ring)).toEqual(stored.map((key) => key.kid).sort());
    expect((await events()).map((e) => e.event)).toEqual(['signing_key.created', 'signing_key.created']);
    for (const jwk of ring.jwks().keys) {
      expect(jwk).toMatchObject({ use: 'sig', alg: 'ES256', kty: 'EC', crv: 'P-256' });
      expect(jwk).not.toHaveProperty('d');
    }

    // A second sync with nothing due changes nothing.
    await ring.sync();
    expect(await events()).toHaveLength(2);
    expect(await store.listSigningKeys(clock.now())).toEqual(stored);
  });

  it('never fails a token across a full rotation cycle, and drops the old key once every token it signed expired', async () => {
    const { node, clock } = await cluster(backend);
    const { ring, store, events } = await node();
    await ring.sync();
    const first = ring.signer().kid;
    const [prepared] = byState(await store.listSigningKeys(clock.now()), 'prepared');

    // The longest-lived token possible, signed the instant before the rotation.
    clock.advance(ROTATION_INTERVAL * 1000 - 1000);
    await ring.sync();
    expect(ring.signer().kid).toBe(first);
    const longLived = mintAccessToken(ring.signer(), claims(clock, MAX_ACCESS_TOKEN_TTL));
    const rotatedAt = clock.now() + 1000;

    clock.set(rotatedAt);
    await ring.sync();
    expect(ring.signer().kid).toBe(prepared);
    const keys = await store.listSigningKeys(clock.now());
    expect(byState(keys, 'old')).toEqual([first]);
    expect(byState(keys, 'active')).toEqual([prepared]);
    expect(byState(keys, 'prepared')).toHaveLength(1);
    expect((await events()).slice(2).map((e) => e.event).sort()).toEqual(['signing_key.created', 'signing_key.retired', 'signing_key.rotated']);
    expect(await verify(ring, clock, longLived)).toBe('valid');
    const fresh = mintAccessToken(ring.signer(), claims(clock, 300));
    expect(await verify(ring, clock, fresh)).toBe('valid');

    // Up to its last second, the long-lived token still verifies: the old key is still published.
    clock.set(rotatedAt - 1000 + MAX_ACCESS_TOKEN_TTL * 1000 - 1000);
    await ring.sync();
    expect(kids(ring)).toContain(first);
    expect(await verify(ring, clock, longLived)).toBe('valid');

    // After its expiry plus the skew margin the key leaves the JWKS, and its row is deleted.
    clock.set(rotatedAt + (MAX_ACCESS_TOKEN_TTL + 60) * 1000);
    expect(kids(ring)).toContain(first);
    clock.advance(1);
    expect(kids(ring)).not.toContain(first);
    expect(ring.publicKey(first)).toBeUndefined();
    await ring.sync();
    expect((await store.listSigningKeys(0)).map((key) => key.kid)).not.toContain(first);
    expect(kids(ring)).toHaveLength(2);
  });

  it('does not let a prepared key sign before it was published for the pre-publication window', async () => {
    const { node, clock } = await cluster(backend);
    // Rotation due every minute, but a prepared key must be published for max(ttl, 300 s) first.
    const { ring, store } = await node({ rotationInterval: 60, accessTokenTtl: 120 });
    await ring.sync();
    const first = ring.signer().kid;
    const [prepared] = byState(await store.listSigningKeys(clock.now()), 'prepared');
    expect(kids(ring)).toContain(prepared);

    clock.advance(299_999);
    await ring.sync();
    expect(ring.signer().kid).toBe(first);
    clock.advance(1);
    await ring.sync();
    expect(ring.signer().kid).toBe(prepared);
  });

  it('rotateNow refuses while the prepared key is too fresh, unless forced', async () => {
    const { node, clock } = await cluster(backend);
    const { ring, store, events } = await node();
    await ring.sync();
    const first = ring.signer().kid;
    const [prepared] = byState(await store.listSigningKeys(clock.now()), 'prepared');

    clock.advance(60_000);
    const refused = await ring.rotateNow().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RotationTooSoonError);
    expect((refused as RotationTooSoonError).readyAt).toBe(Date.UTC(2026, 0, 1) + 300_000);
    expect(ring.signer().kid).toBe(first);

    await ring.rotateNow({ force: true });
    expect(ring.signer().kid).toBe(prepared);
    expect(byState(await store.listSigningKeys(clock.now()), 'old')).toEqual([first]);
    expect((await events()).slice(2).map((e) => e.event).sort()).toEqual(['signing_key.created', 'signing_key.retired', 'signing_key.rotated']);

    // The newly prepared key is as fresh as can be; after the window a plain rotateNow succeeds.
    await expect(ring.rotateNow()).rejects.toBeInstanceOf(RotationTooSoonError);
    clock.advance(300_000);
    await ring.rotateNow();
    expect(ring.signer().kid).not.toBe(prepared);
    expect(byState(await store.listSigningKeys(clock.now()), 'old').sort()).toEqual([first, prepared].sort());
  });

  it('two nodes starting and rotating at once agree on one JWKS', async () => {
    const { node, clock } = await cluster(backend);
    const a = await node();
    const b = await node();
    await Promise.all([a.ring.sync(), b.ring.sync()]);
    expect(await a.store.listSigningKeys(clock.now())).toHaveLength(2);
    expect(a.ring.signer().kid).toBe(b.ring.signer().kid);
    expect(kids(a.ring)).toEqual(kids(b.ring));

    clock.advance(ROTATION_INTERVAL * 1000);
    // Both plan under the store's lock: one rotates, the other finds it done and loads the result.
    await Promise.all([a.ring.sync(), b.ring.sync()]);
    expect(await a.store.listSigningKeys(clock.now())).toHaveLength(3);
    expect(a.ring.signer().kid).toBe(b.ring.signer().kid);
    expect(kids(a.ring)).toEqual(kids(b.ring));
    const all = await a.events();
    expect(all.filter((e) => e.event === 'signing_key.rotated')).toHaveLength(1);
    expect(all.filter((e) => e.event === 'signing_key.created')).toHaveLength(3);

    // Two operators pressing "rotate" together: exactly one rotation happens.
    clock.advance(HOUR);
    const results = await Promise.allSettled([a.ring.rotateNow(), b.ring.rotateNow()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(RotationTooSoonError);
    expect(kids(a.ring)).toEqual(kids(b.ring));
    expect(a.ring.signer().kid).toBe(b.ring.signer().kid);
  });

  it('keeps signing with the same key after a restart, and refuses to start under another master key', async () => {
    const c = await cluster(backend);
    const first = await c.node();
    await first.ring.sync();
    const token = mintAccessToken(first.ring.signer(), claims(c.clock, 300));

    const restarted = await c.node();
    await restarted.ring.sync();
    expect(restarted.ring.signer().kid).toBe(first.ring.signer().kid);
    expect(await restarted.events()).toHaveLength(2);
    expect(await verify(restarted.ring, c.clock, token)).toBe('valid');

    const wrongKey = await c.node({ masterKey: randomBytes(32) });
    await expect(wrongKey.ring.sync()).rejects.toBeInstanceOf(SealedBoxError);
    expect(wrongKey.ring.ready()).toBe(false);
  });
});

describe('signing keys at rest (SQLite file)', () => {
  it('stores no private key in plaintext, and a sealed key moved to another row does not open', async () => {
    const { node, clock, masterKey, dataDir } = await cluster('sqlite');
    const { ring, store } = await node({ alg: 'EdDSA' });
    await ring.sync();
    const keys = await store.listSigningKeys(clock.now());
    const files = (await readdir(dataDir)).filter((name) => name.startsWith('agentauth.db'));
    const bytes = Buffer.concat(await Promise.all(files.map((name) => readFile(join(dataDir, name)))));
    for (const key of keys) {
      // The test holds the master key, so it can find out what the plaintext would be.
      const pkcs8 = openBox(masterKey, key.kid, key.encryptedPrivateKey);
      expect(pkcs8.length).toBeGreaterThan(32);
      expect(bytes.includes(pkcs8)).toBe(false);
      expect(bytes.includes(Buffer.from(pkcs8.toString('base64')))).toBe(false);
      expect(bytes.includes(Buffer.from(pkcs8.toString('base64url')))).toBe(false);
      expect(JSON.stringify(key.publicJwk)).not.toMatch(/"d"/);
    }

    // Swap the active key's ciphertext for the prepared key's: the AAD (kid) no longer matches.
    const active = keys.find((k) => k.state === 'active') as SigningKeyRecord;
    const prepared = keys.find((k) => k.state === 'prepared') as SigningKeyRecord;
    const sqlite = new BetterSqlite3(join(dataDir, 'agentauth.db'));
    sqlite.prepare('UPDATE signing_keys SET encrypted_private_key = ? WHERE kid = ?').run(prepared.encryptedPrivateKey, active.kid);
    sqlite.close();
    const tampered = await node({ alg: 'EdDSA' });
    await expect(tampered.ring.sync()).rejects.toBeInstanceOf(SealedBoxError);
  });

  it('refuses to publish a key whose stored public JWK is not the one its kid names', async () => {
    const { node, dataDir } = await cluster('sqlite');
    await (await node()).ring.sync();
    const other = await cluster('sqlite');
    await (await other.node()).ring.sync();
    const foreign = new BetterSqlite3(join(other.dataDir, 'agentauth.db'));
    const { public_jwk: foreignJwk } = foreign.prepare("SELECT public_jwk FROM signing_keys WHERE state = 'prepared'").get() as { public_jwk: string };
    foreign.close();
    const sqlite = new BetterSqlite3(join(dataDir, 'agentauth.db'));
    sqlite.prepare("UPDATE signing_keys SET public_jwk = ? WHERE state = 'prepared'").run(foreignJwk);
    sqlite.close();
    await expect((await node()).ring.sync()).rejects.toThrow(/does not match its kid/);
  });
});
