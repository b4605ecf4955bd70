import type { OAuthErrorFields } from '@agentauth/protocol';

/**
 * An RFC 6749 §5.2 error response from the authorization server: the request was understood and
 * refused. It carries only what the server sent (`error`, `error_description`) and the HTTP
 * status: never the client assertion, a secret or key material.
 */
export class OAuthClientError extends Error implements OAuthErrorFields {
  override readonly name = 'OAuthClientError';
  /** The RFC 6749 §5.2 `error` code, e.g. `invalid_client`. */
  readonly error: string;
  /** The server's human-readable `error_description`, when it sent one. */
  readonly error_description: string | undefined;
  /** The HTTP status of the error response. */
  readonly status: number;

  constructor(error: string, errorDescription: string | undefined, status: number) {
    super(errorDescription === undefined ? `${error} (HTTP ${status})` : `${error}: ${errorDescription} (HTTP ${status})`);
    this.error = error;
    this.error_description = errorDescription;
    this.status = status;
  }
}
