/** Error codes of the SSF endpoints; RFC 6750 §3.1 names for token problems. */
export type SsfErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'not_found' | 'forbidden' | 'too_many_requests' | 'server_error';

/** Fixed public descriptions, one per code (the detail goes to the log only). */
const DESCRIPTIONS: Record<SsfErrorCode, string> = {
  invalid_request: 'The request is malformed or invalid.',
  invalid_token: 'The access token is missing, invalid, expired or revoked.',
  insufficient_scope: 'The access token does not carry the scope this endpoint requires.',
  not_found: 'There is no event stream with this stream_id for this receiver.',
  forbidden: 'This receiver may not do this.',
  too_many_requests: 'Too many requests; see min_verification_interval.',
  server_error: 'The server encountered an unexpected condition.',
};

/**
 * A refused SSF request (SSF 1.0 §8.1 error tables give the status; RFC 6750 §3 the
 * `WWW-Authenticate` challenge for token problems). `description` is fixed per code; `detail` is
 * private, for the log and the audit record.
 */
export class SsfError extends Error {
  override readonly name = 'SsfError';
  readonly description: string;
  constructor(
    readonly status: number,
    readonly code: SsfErrorCode,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
    this.description = DESCRIPTIONS[code];
  }
}

export const invalidRequest = (detail: string) => new SsfError(400, 'invalid_request', detail);
export const streamNotFound = (detail = 'no such stream for this receiver') => new SsfError(404, 'not_found', detail);
