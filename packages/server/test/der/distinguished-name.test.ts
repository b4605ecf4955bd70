import { describe, expect, it } from 'vitest';
import { distinguishedNamesEqual, MAX_DN_LENGTH, parseDistinguishedName } from '../../src/der/distinguished-name.js';

describe('RFC 4514 distinguished names', () => {
  it('reads RDNs most significant first, the reverse of the string, with escapes and multi-valued RDNs', () => {
    const dn = parseDistinguishedName('CN=agent-1+UID=7,O=Example\\, Inc.,C=SE')!;
    expect(dn.map((rdn) => rdn.map(({ oid, text }) => [oid, text]))).toEqual([
      [['2.5.4.6', 'SE']],
      [['2.5.4.10', 'Example, Inc.']],
      [
        ['2.5.4.3', 'agent-1'],
        ['0.9.2342.19200300.100.1.1', '7'],
      ],
    ]);
  });

  it('keeps a #hex value as its DER bytes, compared byte for byte', () => {
    const hex = parseDistinguishedName('CN=#0c0161')!;
    expect(hex[0]![0]!.der).toEqual(Buffer.from([0x0c, 0x01, 0x61]));
    expect(distinguishedNamesEqual(hex, parseDistinguishedName('CN=#0c0161')!)).toBe(true);
    expect(distinguishedNamesEqual(hex, parseDistinguishedName('CN=#0c0162')!)).toBe(false);
  });

  it('compares multi-valued RDNs as sets and folds case and spacing', () => {
    expect(distinguishedNamesEqual(parseDistinguishedName('CN=A  b+UID=1')!, parseDistinguishedName('uid=1+cn=a b')!)).toBe(true);
  });

  it('refuses strings that are not RFC 4514', () => {
    for (const bad of ['', 'CN', 'XX=1', 'CN=a,,O=b', 'CN=a\\', 'CN=a\\q', 'CN=#abc', 'x'.repeat(MAX_DN_LENGTH + 1)]) expect(parseDistinguishedName(bad), bad).toBeUndefined();
  });
});
