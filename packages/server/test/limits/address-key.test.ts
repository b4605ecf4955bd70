import { describe, expect, it } from 'vitest';
import { addressKey } from '../../src/limits/address-key.js';

describe('addressKey', () => {
  it('counts IPv4 addresses one by one, IPv4-mapped IPv6 as IPv4', () => {
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::FFFF:192.0.2.1')).toBe('192.0.2.1');
  });

  it('counts an IPv6 address as its /64, however it is written', () => {
    const key = '2001:db8:0:1::/64';
    for (const address of ['2001:db8:0:1::1', '2001:DB8::1:0:0:0:1', '2001:0db8:0000:0001:ffff:ffff:ffff:ffff', '2001:db8:0:1::1%eth0', '2001:db8:0:1::192.0.2.1']) {
      expect(addressKey(address), address).toBe(key);
    }
    expect(addressKey('2001:db8:0:2::1')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('keeps anything else as it is, cut to 64 characters', () => {
    expect(addressKey('not:an:address')).toBe('not:an:address');
    expect(addressKey('x'.repeat(100))).toHaveLength(64);
  });
});
