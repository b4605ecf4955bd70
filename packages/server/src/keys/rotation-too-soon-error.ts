/**
 * Thrown by `rotateNow()` without `force` when the `prepared` key has not been published for the
 * pre-publication window yet: resource servers that cached the JWKS before it appeared would reject
 * every token it signs (RFC 7517 key rollover). The `prepared` key, if one had to be made, is kept,
 * so retrying after `readyAt` succeeds.
 */
export class RotationTooSoonError extends Error {
  override readonly name = 'RotationTooSoonError';
  readonly code = 'ERR_ROTATION_TOO_SOON';
  /** When (ms since the epoch) the prepared key may start signing. */
  readonly readyAt: number;
  constructor(readyAt: number) {
    super('the prepared signing key has not been published long enough to sign; retry later or force the rotation');
    this.readyAt = readyAt;
  }
}
