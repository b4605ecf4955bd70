import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isAddressAllowed, isLoopbackAddress } from './address-policy.js';
import { FetchError } from './fetch-error.js';
import { traceOutbound } from '../tracing/outbound-span.js';

/** A resolved address as `dns.lookup(..., { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution; injected by tests. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const MAX_URL_LENGTH = 2048;

/**
 * The SSRF check every outbound request of the server passes (OWASP SSRF prevention): an absolute
 * https URL without credentials or fragment (plain http only to loopback, and only when private
 * networks are allowed); the host resolved once, and refused if ANY address is refused by the
 * address policy (a name mixing public and private answers is an attack, not an accident).
 * Returns the address to pin the connection to ({@link pinnedLookup}), so a second DNS answer
 * (rebinding) between this check and the connection cannot redirect the request.
 *
 * @throws {FetchError} `url`, `scheme`, `address` or `dns`
 */
export async function resolveGuardedTarget(rawUrl: string, options: { allowPrivateNetworks: boolean; resolve?: Resolve }): Promise<{ url: URL; target: ResolvedAddress }> {
  const url = parseUrl(rawUrl);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = isIP(hostname) !== 0 ? [{ address: hostname, family: isIP(hostname) as 4 | 6 }] : await resolveHost(options.resolve ?? defaultResolve, hostname);
  for (const { address } of addresses) {
    if (!isAddressAllowed(address, options.allowPrivateNetworks)) throw new FetchError('address', `${url.origin} resolves to a refused address`);
  }
  if (url.protocol === 'http:' && !(options.allowPrivateNetworks && addresses.every(({ address }) => isLoopbackAddress(address)))) {
    throw new FetchError('scheme', `${url.origin}: plain http is only allowed to loopback, with private networks allowed`);
  }
  return { url, target: addresses[0] as ResolvedAddress };
}

/** A socket `lookup` that answers whatever it is asked with the one address that was vetted. */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
}

function parseUrl(rawUrl: string): URL {
  if (typeof rawUrl !== 'string' || rawUrl.length > MAX_URL_LENGTH) throw new FetchError('url', 'URL missing or too long');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new FetchError('url', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FetchError('scheme', 'only https URLs are fetched');
  if (url.username !== '' || url.password !== '') throw new FetchError('url', 'URL carries credentials');
  if (rawUrl.includes('#')) throw new FetchError('url', 'URL has a fragment');
  return url;
}

async function defaultResolve(hostname: string): Promise<ResolvedAddress[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

async function resolveHost(resolve: Resolve, hostname: string): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch {
    throw new FetchError('dns', `${hostname.slice(0, 253)} does not resolve`);
  }
  if (addresses.length === 0) throw new FetchError('dns', `${hostname.slice(0, 253)} has no address`);
  return addresses;
}

/**
 * An outgoing request to `url` whose socket connects to `target` only (the address that was
 * vetted, whatever DNS says now), with no connection pooling and no redirects followed. When
 * tracing is on, it is a client span and carries `traceparent` (docs/monitoring.md, "Traces").
 */
export function pinnedRequest(url: URL, target: ResolvedAddress, method: 'GET' | 'POST', headers: Record<string, string | number>, tls: { ca?: string[] } = {}): ClientRequest {
  const options = {
    method,
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers,
    lookup: pinnedLookup(target),
    agent: false as const,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
  };
  const request = url.protocol === 'https:' ? httpsRequest(options) : httpRequest(options);
  traceOutbound(request, url, method);
  return request;
}
