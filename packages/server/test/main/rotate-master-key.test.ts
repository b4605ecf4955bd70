import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKeyAad } from '../../src/keys/key-ring.js';
import { openBox, sealBox, SealedBoxError } from '../../src/keys/sealed-box.js';
import { MasterKeyMismatchError, rotateMasterKey } from '../../src/main/rotate-master-key.js';
import { loginProviderAad, openClientSecret, sealClientSecret } from '../../src/people/login-provider-service.js';
import { openTotpSecret, sealTotpSecret } from '../../src/people/totp-secret.js';
import { loginRequestAad } from '../../src/people/upstream-sign-in.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { Store } from '../../src/store/store.js';
import { T0, chainDefects, readChain, signingKey } from '../store/fixtures.js';

const OLD = randomBytes(32);
const NEW = randomBytes(32);
const TOTP = randomBytes(20);

/**
 * `rotateMasterKey` over a real SQLite store holding values sealed by each module's own sealing
 * function: after the rotation, each module's own opening function opens them under the new key
 * (so the associated data each column is resealed with is the one its module reads).
 */
describe('rotateMasterKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-rotate-unit-'));
  let store: Store;

  beforeAll(async () => {
    store = await openStore({ databaseUrl: undefined, dataDir: join(dir, 'data') });
    await store.mutateSigningKeys(T0, () => ({ insert: [signingKey('kid-1', { encryptedPrivateKey: sealBox(OLD, signingKeyAad('kid-1'), Buffer.from('pkcs8')) })], update: [], remove: [], audit: [] }));
    await store.createUser(
      {
        id: 'usr_1', email: 'one@example.com', name: 'One', groups: [], roles: [], status: 'active', passwordHash: null,
        totpSecret: sealTotpSecret(OLD, 'usr_1', TOTP), totpPending: sealTotpSecret(OLD, 'usr_1', TOTP), totpLastStep: null,
        failedLogins: 0, lockedUntil: null, createdAt: T0, updatedAt: T0, lastLoginAt: null,
      },
      [],
    );
    await store.createLoginProvider(
      {
        id: 'lp_1', displayName: 'IdP', issuer: 'https://idp.example.com', clientId: 'client', clientSecret: sealClientSecret(OLD, 'lp_1', 'client-secret-value'),
        scopes: ['openid'], claims: { email: 'email', name: 'name', groups: 'groups' }, groupRoles: {}, allowedDomains: [], justInTime: false, createdAt: T0, updatedAt: T0,
      },
      [],
    );
    await store.saveLoginRequest({ stateHash: 'state-hash-1', providerId: 'lp_1', sealed: sealBox(OLD, loginRequestAad('state-hash-1'), Buffer.from('{"verifier":"v","nonce":"n"}')), returnTo: '/account', expiresAt: Date.now() + 600_000 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses, changing nothing, when the current key does not open a value', async () => {
    const before = await readChain(store);
    await expect(rotateMasterKey(store, { current: randomBytes(32), next: NEW }, T0)).rejects.toBeInstanceOf(MasterKeyMismatchError);
    expect(await readChain(store)).toEqual(before);
    expect(openTotpSecret(OLD, 'usr_1', (await store.getUser('usr_1'))?.totpSecret as string)).toEqual(TOTP);
  });

  it('reseals every column so that its own module opens it under the new key, and only under it', async () => {
    const counts = await rotateMasterKey(store, { current: OLD, next: NEW }, T0);
    expect(counts).toEqual({ signing_key: 1, ca_key: 0, ssf_stream: 0, totp: 1, totp_pending: 1, login_provider: 1, login_request: 1, ciba_ping: 0 });

    const user = await store.getUser('usr_1');
    expect(openTotpSecret(NEW, 'usr_1', user?.totpSecret as string)).toEqual(TOTP);
    expect(openTotpSecret(NEW, 'usr_1', user?.totpPending as string)).toEqual(TOTP);
    expect(() => openTotpSecret(OLD, 'usr_1', user?.totpSecret as string)).toThrow(SealedBoxError);
    const provider = await store.getLoginProvider('lp_1');
    expect(openClientSecret(NEW, 'lp_1', provider?.clientSecret as string)).toBe('client-secret-value');
    expect(() => openBox(NEW, loginProviderAad('lp_2'), provider?.clientSecret as string)).toThrow(SealedBoxError);
    const key = (await store.listSigningKeys(T0)).find((k) => k.kid === 'kid-1');
    expect(openBox(NEW, signingKeyAad('kid-1'), key?.encryptedPrivateKey as string).toString()).toBe('pkcs8');
    const request = await store.claimLoginRequest('state-hash-1', Date.now());
    expect(openBox(NEW, loginRequestAad('state-hash-1'), request?.sealed as string).toString()).toContain('verifier');

    const chain = await readChain(store);
    expect(chainDefects(chain)).toEqual([]);
    expect(chain.at(-1)).toMatchObject({ event: 'master_key.rotated', actor: 'system', details: { resealed: counts } });
  });

  it('refuses a key of the wrong length, or the current key again, as misuse', async () => {
    await expect(rotateMasterKey(store, { current: NEW, next: randomBytes(16) }, T0)).rejects.toThrow(TypeError);
    await expect(rotateMasterKey(store, { current: NEW, next: NEW }, T0)).rejects.toThrow('the new master key is the current one');
  });
});
