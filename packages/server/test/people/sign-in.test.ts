import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommitLog } from '../../src/audit/group-commit.js';
import { FrozenClock } from '../../src/clock.js';
import { Sessions } from '../../src/people/sessions.js';
import { SignIn } from '../../src/people/sign-in.js';
import { hotp, totpStep } from '../../src/people/totp.js';
import { sealTotpSecret } from '../../src/people/totp-secret.js';
import { UserService } from '../../src/people/user-service.js';
import { cryptoRandom } from '../../src/random.js';
import { openStore } from '../../src/store/sql/open-store.js';
import type { Store } from '../../src/store/store.js';

const MASTER_KEY = Buffer.alloc(32, 9);
const SECRET = Buffer.from('12345678901234567890', 'ascii');
const PASSWORD = 'correct horse battery staple';
const REQUEST = { address: '192.0.2.7', requestId: 'req' };
const ADMIN = { actor: 'admin:bootstrap', sourceIp: null, requestId: null };

/** Sign-in over a real SQLite store, the clock frozen: lockout and single-use codes, without HTTP. */
describe('SignIn', () => {
  let dir: string;
  let store: Store;
  const clock = new FrozenClock(Date.UTC(2026, 0, 1, 12));
  let users: UserService;
  let signIn: SignIn;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentauth-sign-in-'));
    store = await openStore({ databaseUrl: undefined, dataDir: dir });
    const audit = createCommitLog({ store, flushIntervalMs: 0, logger: pino({ level: 'silent' }) });
    const sessions = new Sessions({ clock, random: cryptoRandom, store, idleMs: 1_800_000, absoluteMs: 43_200_000 });
    users = new UserService({ clock, random: cryptoRandom, store });
    signIn = new SignIn({ clock, store, audit, sessions, masterKey: MASTER_KEY, lockout: { failures: 3, durationMs: 600_000 } });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('locks after the threshold of consecutive failures, refuses the right password while locked, and unlocks when the time is up', async () => {
    const user = await users.create({ email: 'lock@example.com', name: 'Lock', password: PASSWORD }, ADMIN);
    expect((await signIn.password('lock@example.com', 'wrong password one', REQUEST)).kind).toBe('refused');
    expect((await signIn.password('lock@example.com', 'wrong password two', REQUEST)).kind).toBe('refused');
    expect((await store.getUser(user.id))?.failedLogins).toBe(2);
    expect((await signIn.password('lock@example.com', 'wrong password three', REQUEST)).kind).toBe('refused');
    expect(await store.getUser(user.id)).toMatchObject({ failedLogins: 0, lockedUntil: clock.now() + 600_000 });
    expect((await signIn.password('lock@example.com', PASSWORD, REQUEST)).kind).toBe('refused');
    clock.advance(599_999);
    expect((await signIn.password('lock@example.com', PASSWORD, REQUEST)).kind).toBe('refused');
    clock.advance(1);
    expect((await signIn.password('lock@example.com', PASSWORD, REQUEST)).kind).toBe('signed_in');
  });

  it('counts only consecutive failures: a success starts the count again', async () => {
    const user = await users.create({ email: 'reset@example.com', name: 'Reset', password: PASSWORD }, ADMIN);
    await signIn.password('reset@example.com', 'wrong password one', REQUEST);
    await signIn.password('reset@example.com', 'wrong password two', REQUEST);
    expect((await signIn.password('reset@example.com', PASSWORD, REQUEST)).kind).toBe('signed_in');
    expect((await store.getUser(user.id))?.failedLogins).toBe(0);
    await signIn.password('reset@example.com', 'wrong password three', REQUEST);
    expect((await store.getUser(user.id))?.lockedUntil).toBeNull();
  });

  it('accepts a TOTP code once, refuses a code of an earlier step after it, and counts wrong codes towards the lockout', async () => {
    const user = await users.create({ email: 'totp@example.com', name: 'Totp', password: PASSWORD }, ADMIN);
    await store.updateUser(user.id, { totpSecret: sealTotpSecret(MASTER_KEY, user.id, SECRET) }, clock.now(), () => []);
    const stage = async () => {
      const result = await signIn.password('totp@example.com', PASSWORD, REQUEST);
      if (result.kind !== 'mfa') throw new Error(`expected the second-factor stage, got ${result.kind}`);
      return result.sessionId;
    };
    const step = totpStep(clock.now());
    const first = await stage();
    expect((await signIn.totp(first, hotp(SECRET, step), REQUEST)).kind).toBe('signed_in');
    expect((await signIn.totp(await stage(), hotp(SECRET, step), REQUEST)).kind).toBe('refused');
    expect((await signIn.totp(await stage(), hotp(SECRET, step - 1), REQUEST)).kind).toBe('refused');
    expect((await store.getUser(user.id))?.failedLogins).toBe(2);
    expect((await signIn.totp(await stage(), hotp(SECRET, step + 5), REQUEST)).kind).toBe('refused');
    expect((await store.getUser(user.id))?.lockedUntil).toBe(clock.now() + 600_000);
  });

  it('refuses a second-factor stage that timed out', async () => {
    const user = await users.create({ email: 'slow@example.com', name: 'Slow', password: PASSWORD }, ADMIN);
    await store.updateUser(user.id, { totpSecret: sealTotpSecret(MASTER_KEY, user.id, SECRET) }, clock.now(), () => []);
    const result = await signIn.password('slow@example.com', PASSWORD, REQUEST);
    if (result.kind !== 'mfa') throw new Error('expected the second-factor stage');
    clock.advance(5 * 60_000);
    expect((await signIn.totp(result.sessionId, hotp(SECRET, totpStep(clock.now())), REQUEST)).kind).toBe('refused');
  });
});
