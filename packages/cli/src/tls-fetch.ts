import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';

/** What the CLI's own TLS connections trust and present. */
export interface TlsOptions {
  /** PEM CA certificates trusted in addition to Node's built-in public roots (`--cacert`). */
  ca?: string;
  /** PEM client certificate chain and its key, for mutual TLS (RFC 8705). */
  cert?: string;
  key?: string;
}

/**
 * A `fetch` over node:http(s) that trusts `options.ca` besides the public roots and presents a
 * client certificate: the global fetch (undici) takes neither without a dispatcher of its own. It
 * supports what the CLI sends (a method, headers, a string or form body, an abort signal), follows
 * no redirect (the CLI asks for none), and fails as fetch does: `TypeError('fetch failed')` with
 * the system error (its `code`: ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN...) as `cause`.
 */
export function tlsFetch(options: TlsOptions): typeof fetch {
  const tls = {
    ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
  };
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input));
    const method = init.method ?? request?.method ?? 'GET';
    const headers = new Headers(init.headers ?? request?.headers);
    const body = init.body === undefined || init.body === null ? undefined : await new Response(init.body).arrayBuffer();
    const contentType = init.body instanceof URLSearchParams ? 'application/x-www-form-urlencoded;charset=UTF-8' : undefined;
    if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType);
    if (body !== undefined) headers.set('content-length', String(body.byteLength));
    const outgoingHeaders: Record<string, string> = {};
    headers.forEach((value, name) => (outgoingHeaders[name] = value));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = init.signal ?? undefined;

    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = send(url, { method, headers: outgoingHeaders, agent: false, ...(url.protocol === 'https:' ? tls : {}), ...(signal === undefined ? {} : { signal }) }, resolve);
      outgoing.on('error', (error) => reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })));
      outgoing.end(body === undefined ? undefined : Buffer.from(body));
    });
    const responseHeaders = new Headers();
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) responseHeaders.append(response.rawHeaders[i] as string, response.rawHeaders[i + 1] as string);
    const status = response.statusCode ?? 0;
    const empty = method === 'HEAD' || status === 204 || status === 205 || status === 304;
    if (empty) response.resume();
    return new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), { status, statusText: response.statusMessage ?? '', headers: responseHeaders });
  };
}
