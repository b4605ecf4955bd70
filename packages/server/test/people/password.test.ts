import { describe, expect, it } from 'vitest';
import { ARGON2ID_PARAMETERS, hashPassword, verifyPassword } from '../../src/people/password-hash.js';
import { passwordPolicyViolation } from '../../src/people/password-policy.js';

describe('password storage (OWASP Password Storage Cheat Sheet, argon2id)', () => {
  it('hashes with argon2id, 19 MiB, 2 passes, 1 lane, a 16-byte salt, all in the PHC string', async () => {
    expect(ARGON2ID_PARAMETERS).toMatchObject({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const phc = await hashPassword('correct horse battery staple');
    const [, algorithm, version, params, salt, hash] = phc.split('$');
    expect([algorithm, version, params]).toEqual(['argon2id', 'v=19', 'm=19456,t=2,p=1']);
    expect(Buffer.from(salt ?? '', 'base64').length).toBe(16);
    expect(Buffer.from(hash ?? '', 'base64').length).toBe(32);
  });

  it('salts every hash, verifies the password and nothing else', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery staple'), hashPassword('correct horse battery staple')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(b, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(a, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword(a, '')).toBe(false);
  });

  it('answers false, never throws, for no hash, a malformed one, or another algorithm\u2019s', async () => {
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
    expect(await verifyPassword('$argon2id$garbage', 'anything at all')).toBe(false);
    expect(await verifyPassword('$2b$10$abcdefghijklmnopqrstuv', 'anything at all')).toBe(false);
  });
});

describe('password policy', () => {
  const person = { email: 'ada.lovelace@example.com', name: 'Ada Lovelace' };

  it('takes 12 to 128 characters of anything, counted in code points', () => {
    expect(passwordPolicyViolation('a'.repeat(11), person)).toBe('password must be at least 12 characters');
    expect(passwordPolicyViolation('a'.repeat(12), person)).toBeUndefined();
    expect(passwordPolicyViolation('\u{1F511}'.repeat(12), person)).toBeUndefined();
    expect(passwordPolicyViolation('\u{1F511}'.repeat(6), person)).toBe('password must be at least 12 characters');
    expect(passwordPolicyViolation('a'.repeat(129), person)).toBe('password must be at most 128 characters');
  });

  it('refuses the account\u2019s own email, its local part or name, whatever the case', () => {
    for (const same of ['ada.lovelace@example.com', 'ADA.LOVELACE@EXAMPLE.COM', 'Ada.Lovelace', ' ada lovelace ']) {
      expect(passwordPolicyViolation(same, person)).toBe('password must not be the account\u2019s email or name');
    }
    expect(passwordPolicyViolation('ada lovelace!', person)).toBeUndefined();
  });
});
