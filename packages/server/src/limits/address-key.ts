import { isIPv6 } from 'node:net';

/** Longest key an address yields; anything longer is not an IP address and is cut. */
const MAX_ADDRESS_KEY = 64;

/**
 * The key failures from a source address are counted under. IPv4 addresses count one by one (an
 * IPv4-mapped IPv6 address, `::ffff:192.0.2.1`, as its IPv4 address). An IPv6 address counts as
 * its /64: one subscriber or host is routinely given a whole /64 (RFC 6177), so counting single
 * addresses would let an attacker rotate its interface identifier and never reach a limit.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address.slice(0, MAX_ADDRESS_KEY);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  const bare = address.split('%', 1)[0] as string;
  if (!isIPv6(bare)) return address.slice(0, MAX_ADDRESS_KEY);
  const groups = ipv6Groups(bare.toLowerCase());
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in hexadecimal without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address;
  // A dotted IPv4 tail (RFC 4291 §2.2 form 3) is two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.split('::') as [string, string | undefined];
  const head = left === '' ? [] : left.split(':');
  const rest = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  return groups.map((group) => parseInt(group, 16).toString(16));
}
