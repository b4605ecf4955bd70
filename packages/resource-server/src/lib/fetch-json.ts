/** Largest JSON document read from the authorization server (metadata, JWKS, introspection, SSF). */
export const MAX_JSON_BYTES = 512 * 1024;

/** Why a JSON fetch failed; never carries a response body or a credential. */
export class FetchJsonError extends Error {
  override readonly name = 'FetchJsonError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FetchJsonInit {
  fetch: typeof fetch;
  timeoutMs: number;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Aborts the request early (e.g. when the owner closes). */
  signal?: AbortSignal;
  /** Statuses answered with a body; default only 200. */
  okStatuses?: readonly number[];
}

/**
 * Fetches a JSON object with a timeout, no redirects (a redirect could move a credential to
 * another origin) and a size bound. Throws {@link FetchJsonError} for a non-OK status or a body
 * that is not a JSON object; network errors and timeouts propagate as `fetch` throws them.
 */
export async function fetchJson(url: string | URL, init: FetchJsonInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const result = await fetchJsonValue(url, init);
  const { body } = result;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new FetchJsonError('response is not a JSON object', result.status);
  return { ...result, body: body as Record<string, unknown> };
}

/** As {@link fetchJson}, for any JSON value (an SSF stream list is an array). */
export async function fetchJsonValue(url: string | URL, init: FetchJsonInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal === undefined ? timeout : AbortSignal.any([timeout, init.signal]);
  const response = await init.fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
    redirect: 'error',
    signal,
  });
  const okStatuses = init.okStatuses ?? [200];
  if (!okStatuses.includes(response.status)) {
    await response.body?.cancel();
    throw new FetchJsonError(`HTTP ${response.status} from ${new URL(url).origin}${new URL(url).pathname}`, response.status);
  }
  if (response.status === 204) return { status: 204, body: {}, headers: response.headers };
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_JSON_BYTES) {
    await response.body?.cancel();
    throw new FetchJsonError('response too large', response.status);
  }
  const text = await response.text();
  if (text.length > MAX_JSON_BYTES) throw new FetchJsonError('response too large', response.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FetchJsonError('response is not JSON', response.status);
  }
  return { status: response.status, body, headers: response.headers };
}
