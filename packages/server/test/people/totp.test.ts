import { describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/people/base32.js';
import { hotp, matchTotp, otpauthUri, totpStep, type TotpAlgorithm } from '../../src/people/totp.js';

/** RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's length. */
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

/** RFC 6238 Appendix B, "Test Vectors": time (s), then the 8-digit TOTP for SHA-1, SHA-256, SHA-512. */
const APPENDIX_B: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(APPENDIX_B)('Appendix B: at %i s the codes are SHA-1 %s, SHA-256 %s, SHA-512 %s', (seconds, sha1, sha256, sha512) => {
    const step = totpStep(seconds * 1000);
    expect(hotp(SEEDS.sha1, step, 8, 'sha1')).toBe(sha1);
    expect(hotp(SEEDS.sha256, step, 8, 'sha256')).toBe(sha256);
    expect(hotp(SEEDS.sha512, step, 8, 'sha512')).toBe(sha512);
  });

  it('RFC 4226 Appendix D: HOTP of counters 0 to 9, 6 digits', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(SEEDS.sha1, counter))).toEqual(expected);
  });

  it('accepts a code of the current step and one step either side (§5.2), and no further', () => {
    const now = 1_111_111_111_000;
    const step = totpStep(now);
    for (const drift of [-1, 0, 1]) expect(matchTotp(SEEDS.sha1, hotp(SEEDS.sha1, step + drift), now)).toBe(step + drift);
    for (const drift of [-2, 2]) expect(matchTotp(SEEDS.sha1, hotp(SEEDS.sha1, step + drift), now)).toBeUndefined();
  });

  it('refuses what is not six digits, and another secret\u2019s code', () => {
    const now = 1_234_567_890_000;
    const code = hotp(SEEDS.sha1, totpStep(now));
    for (const bad of ['', `${code}0`, code.slice(1), ` ${code}`, 'abcdef', '１２３４５６']) expect(matchTotp(SEEDS.sha1, bad, now)).toBeUndefined();
    expect(matchTotp(Buffer.alloc(20, 1), code, now)).toBeUndefined();
  });

  it('RFC 4648 §10 base32 vectors, without padding', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) expect(base32Encode(Buffer.from(plain, 'ascii'))).toBe(encoded);
  });

  it('writes the otpauth URI authenticator apps read: label issuer:account, base32 secret, SHA1, 6 digits, 30 s', () => {
    const raw = otpauthUri(SEEDS.sha1, 'agentauth example.com', 'ada@example.com');
    expect(raw).toBe('otpauth://totp/agentauth%20example.com:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=agentauth%20example.com&algorithm=SHA1&digits=6&period=30');
    expect(() => otpauthUri(SEEDS.sha1, 'agentauth example.com:8080', 'ada@example.com')).toThrow(TypeError);
    const uri = new URL(raw);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/agentauth example.com:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', issuer: 'agentauth example.com', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});
