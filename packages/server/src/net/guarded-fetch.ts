import type { IncomingMessage } from 'node:http';
import { rootCertificates } from 'node:tls';
import { FetchError } from './fetch-error.js';
import { pinnedRequest, resolveGuardedTarget, type ResolvedAddress } from './guarded-target.js';

export type { ResolvedAddress } from './guarded-target.js';

/** Options of {@link createGuardedFetch}. */
export interface GuardedFetchOptions {
  /** Private, loopback, link-local, CGNAT and unique-local targets allowed (default false). */
  allowPrivateNetworks?: boolean;
  /** Deadline for TCP + TLS set-up, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Deadline for the whole exchange, ms (default 5000). */
  totalTimeoutMs?: number;
  /** Largest body accepted, bytes (default 256 KiB). */
  maxBytes?: number;
  /** Extra PEM trust anchors, added to (not replacing) Node's bundled roots. */
  extraCa?: string;
  /** Name resolution; injected by tests. Default `dns.lookup` with `all: true`. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** What a successful fetch yields. */
export interface FetchedJson {
  body: unknown;
  /** Cache-Control `max-age` (RFC 9111 §5.2.2.1) in seconds; 0 for `no-store`/`no-cache`; undefined when absent. */
  maxAgeSeconds: number | undefined;
}

/** GETs a JSON document from a URL under the SSRF guard. Rejects with {@link FetchError}. */
export type GuardedFetch = (url: string, accept: readonly string[]) => Promise<FetchedJson>;

/**
 * Builds the one HTTP client the server uses for URLs it is told about (JWKS of agents and of
 * trusted issuers). What it guarantees:
 *
 * - https only; plain http only to a loopback address and only when private networks are allowed;
 * - the host is resolved once with `node:dns`; if ANY address is refused by the address policy the
 *   fetch is refused (a name mixing public and private answers is an attack, not an accident);
 * - the connection goes to the address that was checked: the socket's `lookup` returns only it,
 *   so a second DNS answer (rebinding) between check and connect cannot redirect us. TLS still
 *   verifies the certificate against the host name (SNI and RFC 6125 name checks are unchanged);
 * - redirects are refused, never followed; only status 200 is accepted;
 * - connect and total timeouts, a body size limit (checked against Content-Length and while
 *   streaming), a media-type allow-list, and a JSON parse.
 *
 * It does NOT limit how often a URL is fetched; callers cache (see `RemoteJwks`).
 */
export function createGuardedFetch(options: GuardedFetchOptions = {}): GuardedFetch {
  const allowPrivate = options.allowPrivateNetworks ?? false;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const ca = options.extraCa === undefined ? undefined : [...rootCertificates, options.extraCa];
  const resolve = options.resolve;

  return async (rawUrl, accept) => {
    const { url, target } = await resolveGuardedTarget(rawUrl, { allowPrivateNetworks: allowPrivate, ...(resolve === undefined ? {} : { resolve }) });
    return get(url, target, { connectTimeoutMs, totalTimeoutMs, maxBytes, ca, accept });
  };
}

interface GetLimits {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxBytes: number;
  ca: string[] | undefined;
  accept: readonly string[];
}

function get(url: URL, target: ResolvedAddress, limits: GetLimits): Promise<FetchedJson> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const finish = (error: FetchError | undefined, value?: FetchedJson) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(connect);
      if (error !== undefined) {
        request.destroy();
        reject(error);
      } else resolvePromise(value as FetchedJson);
    };

    // Pinned: whatever the socket asks, it connects to the address we vetted.
    const request = pinnedRequest(url, target, 'GET', { accept: limits.accept.join(', '), 'user-agent': 'agentauth', 'accept-encoding': 'identity' }, { ca: limits.ca });

    const total = setTimeout(() => finish(new FetchError('timeout', `${url.origin} did not answer within ${limits.totalTimeoutMs} ms`)), limits.totalTimeoutMs);
    const connect = setTimeout(() => finish(new FetchError('timeout', `${url.origin}: no connection within ${limits.connectTimeoutMs} ms`)), limits.connectTimeoutMs);
    request.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect));
    });
    request.on('error', (error) => finish(new FetchError('network', `${url.origin}: ${(error as NodeJS.ErrnoException).code ?? 'connection failed'}`)));
    request.on('response', (response) => readResponse(url, response, limits, finish));
    request.end();
  });
}

function readResponse(url: URL, response: IncomingMessage, limits: GetLimits, finish: (error: FetchError | undefined, value?: FetchedJson) => void): void {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) return finish(new FetchError('redirect', `${url.origin} answered ${status}; redirects are not followed`));
  if (status !== 200) return finish(new FetchError('status', `${url.origin} answered ${status}`));
  const mediaType = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!limits.accept.includes(mediaType)) return finish(new FetchError('content_type', `${url.origin} answered ${mediaType.slice(0, 80) || 'no media type'}`));
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes) return finish(new FetchError('too_large', `${url.origin}: body larger than ${limits.maxBytes} bytes`));

  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.maxBytes) return finish(new FetchError('too_large', `${url.origin}: body larger than ${limits.maxBytes} bytes`));
    chunks.push(chunk);
  });
  response.on('error', () => finish(new FetchError('network', `${url.origin}: response interrupted`)));
  response.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return finish(new FetchError('malformed', `${url.origin}: body is not JSON`));
    }
    finish(undefined, { body, maxAgeSeconds: maxAge(response.headers['cache-control']) });
  });
}

/** RFC 9111 §5.2.2: `no-store`/`no-cache` mean do not reuse (0); `max-age=N` gives N. */
export function maxAge(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  for (const directive of directives) {
    const match = /^max-age="?(\d{1,10})"?$/.exec(directive);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}
