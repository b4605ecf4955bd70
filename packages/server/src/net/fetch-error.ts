/**
 * Why a guarded fetch refused or failed. Closed list, so operators can alert on each one:
 *
 * - `url`: not an absolute http(s) URL, has credentials or a fragment, or too long;
 * - `scheme`: http to anything but an allowed loopback address;
 * - `address`: the host is or resolves to an address the SSRF policy refuses;
 * - `dns`: the host name does not resolve;
 * - `network`: connection or TLS failure;
 * - `timeout`: connect or total deadline passed;
 * - `redirect`: a 3xx answer (redirects are never followed);
 * - `status`: any other non-200 answer;
 * - `content_type`: not one of the accepted media types;
 * - `too_large`: the body exceeds the size limit;
 * - `malformed`: the body is not the JSON expected.
 */
export type FetchErrorCode = 'url' | 'scheme' | 'address' | 'dns' | 'network' | 'timeout' | 'redirect' | 'status' | 'content_type' | 'too_large' | 'malformed';

/**
 * A remote document could not be obtained safely. The message names the URL's origin and the
 * reason, never a response body; it is meant for logs and audit reasons.
 */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
