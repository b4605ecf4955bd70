import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a source address belongs to, as the new-network detector compares them: the /24 of
 * an IPv4 address, the /48 of an IPv6 address (a site's usual allocation, RFC 6177 §2), an
 * IPv4-mapped IPv6 address as its IPv4 one. Undefined for anything else (no address recorded).
 */
export function networkOf(address: string | null): string | undefined {
  if (address === null) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const text = mapped === null ? address : (mapped[1] as string);
  if (isIPv4(text)) return `${text.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(text)) return undefined;
  return `${expandIPv6(text).slice(0, 3).join(':')}::/48`;
}

/** The eight hextets of an IPv6 address, lowercase without leading zeros (a zone index dropped). */
function expandIPv6(address: string): string[] {
  const bare = address.split('%')[0] as string;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted quad stands for two hextets.
  const last = right.length > 0 ? right : left;
  const quad = last[last.length - 1];
  if (quad !== undefined && quad.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = quad.split('.').map(Number);
    last.splice(last.length - 1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((h) => parseInt(h, 16).toString(16));
}
