import type { AuditOptions } from './admin-types.js';
import { AdminApiError, toAdminError } from './admin-api-error.js';
import { reachableFetch } from './cli-errors.js';

/** Bounds what we buffer from one JSON answer; exports are streamed instead. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Options of `AdminClient`. */
export interface AdminClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`; `/admin/v1` is appended. */
  baseUrl: string;
  /** The bearer token: the bootstrap token or an access token with `agentauth:admin`. */
  token: string;
  fetch?: typeof fetch;
}

/**
 * How the admin API is called: the bearer token only ever in the Authorization header, no
 * redirects followed, JSON answers bounded, an error answer thrown as {@link AdminApiError}.
 * `AdminClient` adds one method per route on top of it.
 */
export class AdminTransport {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: AdminClientOptions) {
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('token must be a non-empty string');
    this.#base = `${options.baseUrl.replace(/\/+$/, '')}/admin/v1`;
    this.#token = options.token;
    this.#fetch = reachableFetch(options.fetch ?? fetch);
  }

  protected async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body, 'application/json');
    const text = await response.text();
    if (text.length > MAX_JSON_BYTES) throw new AdminApiError(response.status, 'unexpected_response', 'Unexpected response', 'the answer is too large');
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AdminApiError(response.status, 'unexpected_response', 'Unexpected response', `the server answered HTTP ${response.status} without JSON`);
    }
  }

  protected async send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#fetch(`${this.#base}${path}`, {
      method,
      headers,
      redirect: 'error',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.ok) return response;
    throw await toAdminError(response);
  }
}

export function auditParams(query: AuditOptions): URLSearchParams {
  const params = new URLSearchParams();
  setIf(params, 'agent_id', query.agent_id);
  setIf(params, 'event', query.event);
  setIf(params, 'outcome', query.outcome);
  setIf(params, 'from', query.from);
  setIf(params, 'to', query.to);
  setIf(params, 'limit', query.limit);
  setIf(params, 'cursor', query.cursor);
  return params;
}

export function setIf(params: URLSearchParams, name: string, value: string | number | undefined): void {
  if (value !== undefined) params.set(name, String(value));
}

export function queryString(params: URLSearchParams): string {
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Ids go into the path escaped, so `a/b` cannot address another route; `.` and `..` are refused
 * because URL parsing would resolve them even when escaped.
 */
export function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new TypeError('an id must not be empty, "." or ".."');
  return encodeURIComponent(id);
}
