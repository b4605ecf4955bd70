import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';

/** Largest answer read from the mutual-TLS listener: a token or a certificate chain, with margin. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * A `fetch` over mutual TLS (RFC 8705): each request opens its own connection presenting what
 * `tls()` gives at that moment (the current certificate and key, the CA bundle to trust), so a
 * request made after a renewal presents the new certificate. Made for the few small requests the
 * SDK sends there (token requests, certificate renewal): it reads string and form bodies only,
 * answers of at most 64 KiB, and follows no redirect.
 */
export function mutualTlsFetch(tls: () => ConnectionOptions): typeof fetch {
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') return Promise.reject(new TypeError('mutual TLS needs an https URL'));
    const body = init.body === undefined || init.body === null ? undefined : init.body instanceof URLSearchParams ? init.body.toString() : init.body;
    if (body !== undefined && typeof body !== 'string') return Promise.reject(new TypeError('mutual TLS requests take a string or form body'));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (init.body instanceof URLSearchParams) headers['content-type'] ??= 'application/x-www-form-urlencoded';
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const request = httpsRequest(url, { method: init.method ?? 'GET', headers, ...tls(), agent: false }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) request.destroy(new Error(`the answer of ${url.origin}${url.pathname} is larger than 64 KiB`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, one);
          }
          const status = response.statusCode ?? 0;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
        response.on('error', reject);
      });
      request.on('error', reject);
      init.signal?.addEventListener('abort', () => request.destroy(new Error('aborted')), { once: true });
      request.end(body);
    });
  };
}
