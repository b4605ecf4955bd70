import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAgent, memoryKeyStore } from '../src/index.js';

const TOKEN = `aaenr_${'a'.repeat(43)}`;

describe('createAgent misuse throws TypeError at once', () => {
  it('refuses a missing issuer, a non-https issuer outside loopback, and an issuer with a query', () => {
    expect(() => createAgent({ enrollmentToken: TOKEN } as never)).toThrow(TypeError);
    expect(() => createAgent({ issuer: 'http://auth.example.com', enrollmentToken: TOKEN })).toThrow(/https/);
    expect(() => createAgent({ issuer: 'https://auth.example.com?x=1', enrollmentToken: TOKEN })).toThrow(TypeError);
  });

  it('accepts plain http on loopback only', () => {
    expect(() => createAgent({ issuer: 'http://127.0.0.1:1', keyStore: memoryKeyStore() }).catch(() => undefined)).not.toThrow();
  });

  it('refuses a malformed key, a public key, a key without clientId, a malformed enrolment token, and nothing to authenticate with', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    expect(() => createAgent({ issuer: 'https://auth.example.com', clientId: 'agt_x', key: publicJwk })).toThrow(/no "d"/);
    expect(() => createAgent({ issuer: 'https://auth.example.com', clientId: 'agt_x', key: 'not a key' as never })).toThrow(TypeError);
    expect(() => createAgent({ issuer: 'https://auth.example.com', key: privateJwk })).toThrow(/clientId/);
    expect(() => createAgent({ issuer: 'https://auth.example.com', enrollmentToken: 'secret-looking-thing' })).toThrow(TypeError);
    expect(() => createAgent({ issuer: 'https://auth.example.com' })).toThrow(TypeError);
    expect(() => createAgent({ issuer: 'https://auth.example.com', clientId: 'agt_x', key: privateJwk, alg: 'HS256' as never })).toThrow(/alg/);
    // A key whose members do not make a valid key: refused when imported, still a TypeError, without the key.
    const broken = { ...privateJwk, x: 'AAAA' };
    const error = await createAgent({ issuer: 'https://auth.example.com', clientId: 'agt_x', key: broken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as Error).stack)).not.toContain(privateJwk.d as string);
  });
});
