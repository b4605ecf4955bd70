import type { KeyObject } from 'node:crypto';
import type { SigningAlg } from '@agentauth/protocol';
import type { JWK } from 'jose';

/** The key that signs right now; `sign` is synchronous so the hot path never awaits. */
export interface TokenSigner {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** JWS signature over `signingInput` (RFC 7515 §5.1), raw (ES256: IEEE P1363 r||s). */
  sign(signingInput: Buffer): Buffer;
}

/**
 * The server's signing keys, held in memory and coordinated through the store (DESIGN.md §5).
 * Rotation follows RFC 7517 practice with SPIRE-style slots: a `next` key is published at least one
 * access-token lifetime before it signs; a retired key stays published until every token it
 * signed has expired.
 */
export interface SigningKeyRing {
  signer(): TokenSigner;
  /** The RFC 7517 JWK Set served at `jwks_uri`: public members only. */
  jwks(): { keys: JWK[] };
  /** A published verification key by `kid`, or undefined. */
  publicKey(kid: string): { key: KeyObject; alg: SigningAlg } | undefined;
  /** Loads keys from the store, creating the first ones and applying due transitions. */
  sync(): Promise<void>;
  /** Rotates now: the `next` key becomes active (creating one if needed) and a new `next` is made. */
  rotateNow(): Promise<void>;
  /** True once keys are loaded (for `/readyz`). */
  ready(): boolean;
}
