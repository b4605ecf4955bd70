import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSerial, serialHex } from '../../src/ca/certificate-builder.js';
import { checkLeaf, IssuedCertificateInvalidError } from '../../src/ca/check-leaf.js';
import { DerError, readDer, readOid, readUnsignedInteger } from '../../src/der/der-reader.js';
import { oid, time, unsignedInteger } from '../../src/der/der-writer.js';
import type { LeafRequest } from '../../src/ca/leaf-template.js';
import { decodeSubjectPublicKey } from '../../src/ca/subject-public-key.js';
import { P256, startCaHarness } from './ca-harness.js';

describe('DER reader: strict, as X.690 §10 asks', () => {
  it('refuses indefinite and non-minimal lengths, and trailing bytes', () => {
    expect(() => readDer(Buffer.from([0x30, 0x80, 0x00, 0x00]))).toThrow(DerError);
    expect(() => readDer(Buffer.from([0x04, 0x81, 0x01, 0x00]))).toThrow('non-minimal');
    expect(() => readDer(Buffer.from([0x04, 0x01, 0x00, 0x00]))).toThrow('trailing');
    expect(() => readDer(Buffer.from([0x04, 0x05, 0x00]))).toThrow('truncated');
  });

  it('refuses negative and non-minimal INTEGERs', () => {
    expect(() => readUnsignedInteger(readDer(Buffer.from([0x02, 0x01, 0x80])))).toThrow('negative');
    expect(() => readUnsignedInteger(readDer(Buffer.from([0x02, 0x02, 0x00, 0x01])))).toThrow('non-minimal');
  });

  it('round-trips OIDs and unsigned integers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), (rest, first, second) => {
        const dotted = [first, second, ...rest].join('.');
        expect(readOid(readDer(oid(dotted)))).toBe(dotted);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
        expect(serialHex(readUnsignedInteger(readDer(unsignedInteger(Buffer.from(bytes)))))).toBe(serialHex(Buffer.from(bytes)));
      }),
    );
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    expect(time(Date.UTC(2049, 11, 31, 23, 59, 59)).toString('latin1', 2)).toBe('491231235959Z');
    expect(time(Date.UTC(2050, 0, 1)).toString('latin1', 2)).toBe('20500101000000Z');
    expect(time(Date.UTC(2050, 0, 1))[0]).toBe(0x18);
  });

  it('normalises serials as people write them', () => {
    expect(normalizeSerial('0A:BC:DE')).toBe('0abcde');
    expect(normalizeSerial('0x00abcd')).toBe('abcd');
    expect(normalizeSerial('xyz')).toBeUndefined();
    expect(normalizeSerial('1'.repeat(41))).toBeUndefined();
  });
});

describe('post-signing validation', () => {
  it('refuses a certificate that does not say what was meant, or whose signature breaks', async () => {
    const h = await startCaHarness();
    try {
      const agentId = await h.agent();
      const issued = await h.ca.issueForAgent(agentId, h.csr('v', P256));
      const ca = h.ca.trustBundle().intermediates[0] as X509Certificate;
      const leaf = new X509Certificate(issued.certificate);
      const { readCaCertificate } = await import('../../src/ca/ca-certificate.js');
      const caCert = readCaCertificate(ca.raw);
      const publicKey = decodeSubjectPublicKey(readDer(leaf.publicKey.export({ format: 'der', type: 'spki' })));
      const request: LeafRequest = {
        serial: Buffer.from(leaf.serialNumber, 'hex'),
        notBefore: Date.parse(leaf.validFrom),
        notAfter: Date.parse(leaf.validTo),
        publicKey,
        spiffeId: issued.spiffeId as string,
        clientAuth: true,
        serverAuth: false,
      };
      const crlUrl = `https://auth.example.com/ca/v1/crl/${h.ca.activeId() as string}`;
      expect(() => checkLeaf(issued.certificate, caCert, request, crlUrl)).not.toThrow();
      expect(() => checkLeaf(issued.certificate, caCert, { ...request, serverAuth: true }, crlUrl)).toThrow(IssuedCertificateInvalidError);
      expect(() => checkLeaf(issued.certificate, caCert, { ...request, spiffeId: `${request.spiffeId as string}x` }, crlUrl)).toThrow('URI SAN');
      const tampered = Buffer.from(issued.certificate);
      const at = tampered.indexOf(Buffer.from(agentId));
      tampered[at] = (tampered[at] as number) ^ 0x20;
      expect(() => checkLeaf(tampered, caCert, request, crlUrl)).toThrow('signature');
    } finally {
      await h.close();
    }
  });
});
