import { FetchError } from './fetch-error.js';
import { pinnedRequest, resolveGuardedTarget, type Resolve } from './guarded-target.js';

/** Options of {@link createGuardedPost}. */
export interface GuardedPostOptions {
  /** Private, loopback, link-local, CGNAT and unique-local targets allowed (default false). */
  allowPrivateNetworks?: boolean;
  /** Deadline for the whole exchange, ms (default 5000). */
  timeoutMs?: number;
  /** Name resolution; injected by tests. */
  resolve?: Resolve;
}

/**
 * POSTs `body` as `contentType` under the SSRF guard, with `headers` beside (an `Authorization`,
 * a signature); resolves on a 2xx answer, rejects with {@link FetchError}.
 */
export type GuardedPost = (url: string, body: string, contentType: string, headers?: Readonly<Record<string, string>>) => Promise<void>;

/** The most of an answer's body read (and thrown away): a receiver cannot make us buffer more. */
const MAX_ANSWER_BYTES = 4096;

/**
 * The guarded fetch's twin for sending (webhooks): the same SSRF check and pinned connection
 * (`resolveGuardedTarget`), redirects refused, a total deadline. Success is any 2xx; the answer's
 * body is never read beyond 4 KiB nor shown anywhere.
 *
 * Does NOT retry: callers decide what is worth another attempt (`FetchError.code`).
 */
export function createGuardedPost(options: GuardedPostOptions = {}): GuardedPost {
  const allowPrivateNetworks = options.allowPrivateNetworks ?? false;
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (rawUrl, body, contentType, headers = {}) => {
    const { url, target } = await resolveGuardedTarget(rawUrl, { allowPrivateNetworks, ...(options.resolve === undefined ? {} : { resolve: options.resolve }) });
    const bytes = Buffer.from(body, 'utf8');
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: FetchError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        if (error === undefined) resolve();
        else reject(error);
      };
      const request = pinnedRequest(url, target, 'POST', { ...headers, 'content-type': contentType, 'content-length': bytes.length, 'user-agent': 'agentauth' });
      const timer = setTimeout(() => finish(new FetchError('timeout', `${url.origin} did not answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('error', (error) => finish(new FetchError('network', `${url.origin}: ${(error as NodeJS.ErrnoException).code ?? 'connection failed'}`)));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on('error', () => undefined);
        response.on('close', () => {
          if (status >= 200 && status < 300) finish();
          else if (status >= 300 && status < 400) finish(new FetchError('redirect', `${url.origin} answered ${status}; redirects are not followed`));
          else finish(new FetchError('status', `${url.origin} answered ${status}`));
        });
      });
      request.end(bytes);
    });
  };
}
