import { FetchError } from './fetch-error.js';
import { pinnedRequest, resolveGuardedTarget, type Resolve } from './guarded-target.js';

/** Options of {@link createGuardedWebFetch}. */
export interface GuardedWebFetchOptions {
  /** Private, loopback, link-local, CGNAT and unique-local targets allowed (default false). */
  allowPrivateNetworks?: boolean;
  /** Deadline for the whole exchange, ms (default 5000). */
  timeoutMs?: number;
  /** Largest body accepted, bytes (default 256 KiB). */
  maxBytes?: number;
  /** Name resolution; injected by tests. */
  resolve?: Resolve;
}

/** The request a Fetch-API client library makes (`openid-client`'s `customFetch` shape). */
export interface WebFetchRequest {
  method: string;
  headers: Record<string, string> | Headers;
  body?: unknown;
}

/** A `fetch` with the Web API's answer, under the SSRF guard. Rejects with {@link FetchError}. */
export type GuardedWebFetch = (url: string, request: WebFetchRequest) => Promise<Response>;

/**
 * The guarded fetch for libraries that speak the Fetch API (the OpenID Connect client of upstream
 * sign-in): the same SSRF check and pinned connection as every outbound request
 * (`resolveGuardedTarget`), GET or POST only, a string or `URLSearchParams` body only, redirects
 * never followed (a 3xx is handed back as it is, which the client then refuses), a total deadline
 * and a body size limit. The status and body are handed back unjudged: the caller's protocol
 * client decides what an answer means.
 */
export function createGuardedWebFetch(options: GuardedWebFetchOptions = {}): GuardedWebFetch {
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  return async (rawUrl, init) => {
    const method = init.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw new FetchError('url', `method ${method.slice(0, 10)} is not sent`);
    const body = init.body === undefined || init.body === null ? undefined : init.body instanceof URLSearchParams || typeof init.body === 'string' ? Buffer.from(String(init.body), 'utf8') : undefined;
    if (init.body !== undefined && init.body !== null && body === undefined) throw new FetchError('url', 'only text bodies are sent');
    const { url, target } = await resolveGuardedTarget(rawUrl, { allowPrivateNetworks, ...(options.resolve === undefined ? {} : { resolve: options.resolve }) });
    const headers: Record<string, string | number> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    Object.assign(headers, { 'user-agent': 'agentauth', 'accept-encoding': 'identity' });
    if (body !== undefined) headers['content-length'] = body.length;
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const finish = (error: FetchError | undefined, response?: Response) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== undefined) {
          request.destroy();
          reject(error);
        } else resolve(response as Response);
      };
      const request = pinnedRequest(url, target, method, headers);
      const timer = setTimeout(() => finish(new FetchError('timeout', `${url.origin} did not answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('error', (error) => finish(new FetchError('network', `${url.origin}: ${(error as NodeJS.ErrnoException).code ?? 'connection failed'}`)));
      request.on('response', (answer) => {
        if (Number(answer.headers['content-length'] ?? 0) > maxBytes) return finish(new FetchError('too_large', `${url.origin}: body larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return finish(new FetchError('too_large', `${url.origin}: body larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        answer.on('error', () => finish(new FetchError('network', `${url.origin}: response interrupted`)));
        answer.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(answer.headers)) {
            if (typeof value === 'string') responseHeaders.set(name, value);
            else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
          }
          const status = answer.statusCode ?? 502;
          const bytes = Buffer.concat(chunks);
          finish(undefined, new Response(status === 204 || status === 304 ? null : bytes, { status, headers: responseHeaders }));
        });
      });
      request.end(body);
    });
  };
}
