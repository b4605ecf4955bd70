/** Largest JSON document read from the authorization server (metadata, JWKS, introspection, SSF). */
export const MAX_JSON_BYTES = 512 * 1024;

/** Longest `error_description` kept from a refusal; the server's own are far shorter. */
const MAX_DESCRIPTION_LENGTH = 512;

/**
 * Why a request to the authorization server failed: its HTTP status and, when it answered an
 * RFC 6749 §5.2 error object, its `error` and `error_description` (public text the server wrote
 * for the caller, such as the SSF stream limit). Never carries the rest of a body or a credential.
 */
export class FetchJsonError extends Error {
  override readonly name = 'FetchJsonError';
  constructor(
    message: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
    /** RFC 6749 §5.2 `error` of a refusal, when the server sent one. */
    readonly error?: string,
    /** RFC 6749 §5.2 `error_description` of a refusal, when the server sent one. */
    readonly errorDescription?: string,
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
    const { error, description } = await readRefusal(response);
    const where = `${new URL(url).origin}${new URL(url).pathname}`;
    const why = error === undefined ? '' : ` ${error}${description === undefined ? '' : `: ${description}`}`;
    throw new FetchJsonError(`HTTP ${response.status} from ${where}${why}`, response.status, error, description);
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

/**
 * The `error` and `error_description` of a refusal (RFC 6749 §5.2), when it is a small JSON object
 * whose members are printable ASCII; anything else is dropped unread, so no other part of a body
 * reaches an error message or a log.
 */
async function readRefusal(response: Response): Promise<{ error?: string; description?: string }> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (!(response.headers.get('content-type') ?? '').includes('json') || declared > MAX_JSON_BYTES) {
    await response.body?.cancel();
    return {};
  }
  try {
    const text = await response.text();
    const body: unknown = text.length > MAX_JSON_BYTES ? undefined : JSON.parse(text);
    if (typeof body !== 'object' || body === null) return {};
    const { error, error_description: description } = body as { error?: unknown; error_description?: unknown };
    return { ...(printable(error, 64) ? { error } : {}), ...(printable(description, MAX_DESCRIPTION_LENGTH) ? { description } : {}) };
  } catch {
    return {};
  }
}

/** RFC 6749 §5.2's character set for `error` and `error_description`. */
function printable(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}
