import type { SigningAlg } from '@agentauth/protocol';

/**
 * The key that signs right now; `sign` is synchronous so the hot path never awaits. Named here,
 * by what mints tokens and SETs; keys/ provides it from the key ring.
 */
export interface TokenSigner {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** JWS signature over `signingInput` (RFC 7515 §5.1), raw (ES256: IEEE P1363 r||s). */
  sign(signingInput: Buffer): Buffer;
}
