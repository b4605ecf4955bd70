import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses the server may connect to when it fetches something an operator or a client
 * named by URL (a JWKS): the SSRF guard's address half (OWASP SSRF prevention; RFC 6890 special-
 * purpose registries).
 *
 * Two tiers:
 * - never: unspecified, broadcast, multicast, reserved and documentation ranges — no legitimate
 *   key server lives there, so even `allowPrivateNetworks` does not open them;
 * - private: loopback, RFC 1918, link-local (cloud metadata at 169.254.169.254), CGNAT (RFC 6598),
 *   IPv6 unique-local and site-local — refused unless the operator explicitly allows them.
 *
 * IPv6 forms that embed an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) are judged by the embedded address, so `::ffff:127.0.0.1` is loopback.
 */
export type AddressVerdict = 'public' | 'private' | 'never';

const NEVER_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network" (RFC 6890); 0.0.0.0 connects to the local host on most systems
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including 255.255.255.255 broadcast
];
const PRIVATE_V4: [string, number][] = [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT, RFC 6598
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, RFC 3927
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
];
const NEVER_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['100::', 64], // discard-only, RFC 6666
  ['2001:db8::', 32], // documentation
  ['ff00::', 8], // multicast
];
const PRIVATE_V6: [string, number][] = [
  ['::1', 128],
  ['fc00::', 7], // unique-local, RFC 4193
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
];

function blockList(v4: [string, number][], v6: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const NEVER = blockList(NEVER_V4, NEVER_V6);
const PRIVATE = blockList(PRIVATE_V4, PRIVATE_V6);

/** Classifies an IP address literal. Throws `TypeError` for anything that is not one. */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 0) throw new TypeError('classifyAddress takes an IP address literal');
  if (family === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded !== undefined) return classifyAddress(embedded);
    // IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291 §2.5.5.1) other than :: and ::1.
    if (isInPrefix(address, '::', 96) && address !== '::' && address !== '::1') return 'never';
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (NEVER.check(address, type)) return 'never';
  if (PRIVATE.check(address, type)) return 'private';
  return 'public';
}

/** True when the server may connect to `address` under this policy. */
export function isAddressAllowed(address: string, allowPrivateNetworks: boolean): boolean {
  const verdict = classifyAddress(address);
  return verdict === 'public' || (verdict === 'private' && allowPrivateNetworks);
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 4 ? address : embeddedIpv4(address);
  if (v4 !== undefined) return v4.startsWith('127.');
  return expandIpv6(address).every((group, i) => group === (i === 7 ? 1 : 0));
}

/** The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const isNat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (isMapped || isNat64) return ipv4FromGroups(groups[6] ?? 0, groups[7] ?? 0);
  if (groups[0] === 0x2002) return ipv4FromGroups(groups[1] ?? 0, groups[2] ?? 0);
  return undefined;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function isInPrefix(address: string, network: string, prefix: number): boolean {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv6');
  return list.check(address, 'ipv6');
}

/** Eight 16-bit groups of a valid IPv6 literal (with `::` expanded and a dotted tail converted). */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16));
}
