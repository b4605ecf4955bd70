import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/agents/agent-error.js';
import { validatePublicJwk } from '../../src/agents/validate-jwk.js';

function jwkOf(type: 'ec' | 'ed25519' | 'rsa', options: Record<string, unknown> = {}): { publicJwk: JWK; privateJwk: JWK } {
  const { publicKey, privateKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return { publicJwk: publicKey.export({ format: 'jwk' }) as JWK, privateJwk: privateKey.export({ format: 'jwk' }) as JWK };
}

async function refusal(input: unknown): Promise<string> {
  const error = await validatePublicJwk(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  expect((error as AgentError).code).toBe('validation_failed');
  return (error as AgentError).message;
}

describe('validatePublicJwk (RFC 7517 §4, RFC 7638)', () => {
  it.each([
    ['EC P-256', () => jwkOf('ec', { namedCurve: 'P-256' })],
    ['EC P-384', () => jwkOf('ec', { namedCurve: 'P-384' })],
    ['OKP Ed25519', () => jwkOf('ed25519')],
    ['RSA 2048', () => jwkOf('rsa', { modulusLength: 2048 })],
  ])('accepts %s and names it by its thumbprint', async (_name, make) => {
    const { publicJwk } = make();
    const { jwk, kid } = await validatePublicJwk(publicJwk);
    expect(kid).toBe(await calculateJwkThumbprint(publicJwk, 'sha256'));
    expect(jwk).toEqual({ ...publicJwk, kid });
  });

  it('keeps a given kid, alg and use, and drops every other member (x5u, extras); an x5c must hold the key', async () => {
    const { publicJwk } = jwkOf('ec', { namedCurve: 'P-256' });
    const { jwk, kid } = await validatePublicJwk({ ...publicJwk, kid: 'mine', alg: 'ES256', use: 'sig', x5u: 'https://evil.example.com', extra: 1 });
    expect(kid).toBe('mine');
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    // RFC 8705 §2.2 registers certificates in x5c: refused unless the first one holds this key.
    expect(await refusal({ ...publicJwk, x5c: ['AAAA'] })).toMatch(/x5c/);
  });

  it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'])('refuses a key carrying the private member %s', async (member) => {
    const { publicJwk } = jwkOf('ec', { namedCurve: 'P-256' });
    expect(await refusal({ ...publicJwk, [member]: 'AAAA' })).toContain(`"${member}"`);
  });

  it('refuses real private keys of every type', async () => {
    for (const make of [() => jwkOf('ec', { namedCurve: 'P-256' }), () => jwkOf('ed25519'), () => jwkOf('rsa', { modulusLength: 2048 })]) {
      expect(await refusal(make().privateJwk)).toMatch(/private member/);
    }
  });

  it('refuses symmetric keys, other curves, weak RSA, bad alg or use, and broken points', async () => {
    expect(await refusal({ kty: 'oct', k: 'c2VjcmV0' })).toMatch(/private member|oct/);
    expect(await refusal({ kty: 'oct' })).toMatch(/oct/);
    expect(await refusal(jwkOf('ec', { namedCurve: 'P-521' }).publicJwk)).toMatch(/P-256 or P-384/);
    expect(await refusal(jwkOf('ec', { namedCurve: 'secp256k1' }).publicJwk)).toMatch(/P-256 or P-384/);
    expect(await refusal(jwkOf('rsa', { modulusLength: 1024 }).publicJwk)).toMatch(/2048/);
    const { publicJwk } = jwkOf('ec', { namedCurve: 'P-256' });
    expect(await refusal({ ...publicJwk, alg: 'HS256' })).toMatch(/alg/);
    expect(await refusal({ ...publicJwk, alg: 'none' })).toMatch(/alg/);
    expect(await refusal({ ...publicJwk, use: 'enc' })).toMatch(/use/);
    expect(await refusal({ ...publicJwk, kid: '' })).toMatch(/kid/);
    expect(await refusal({ ...publicJwk, x: publicJwk.y })).toMatch(/not a valid public key/);
    expect(await refusal({ kty: 'EC', crv: 'P-256', x: publicJwk.x })).toMatch(/jwk.y/);
    expect(await refusal('not an object')).toMatch(/object/);
    expect(await refusal([publicJwk])).toMatch(/object/);
  });
});
