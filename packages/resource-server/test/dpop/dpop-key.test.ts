import { describe, expect, it } from 'vitest';
import { importDpopKey } from '../../src/dpop/dpop-key.js';

describe('importDpopKey', () => {
  it('computes the RFC 7638 thumbprint of the RFC 9449 §4.1 example key as RFC 9449 §6.1 shows it', async () => {
    // RFC 9449 §4.1, the DPoP header's jwk; member order as in the RFC (not canonical).
    const jwk = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' };
    const key = await importDpopKey(jwk, 'ES256');
    expect(typeof key === 'string' ? key : key.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('ignores members outside RFC 7638 for the thumbprint, so a key keeps one jkt', async () => {
    const jwk = { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256', kid: 'k', use: 'sig' };
    const key = await importDpopKey(jwk, 'ES256');
    expect(typeof key === 'string' ? key : key.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I');
  });

  it('refuses an RSA key shorter than 2048 bits', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await importDpopKey(publicKey.export({ format: 'jwk' }), 'PS256')).toBe('RSA key shorter than 2048 bits');
  });
});
