const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True when a URL host, as `URL.hostname` gives it, names this machine: `localhost`, an IPv4
 * address in 127.0.0.0/8 or `[::1]`. Only these may be reached over plain `http` (an issuer, a
 * resource, the admin API the CLI talks to). Does not resolve names: `*.localhost` and names that
 * happen to resolve to loopback do not count.
 */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const octets = IPV4_LOOPBACK.exec(hostname);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}
