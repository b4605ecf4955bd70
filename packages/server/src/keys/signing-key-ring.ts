import type { KeyObject } from 'node:crypto';
import type { SigningAlg } from '@agentauth/protocol';
import type { JWK } from 'jose';
import type { TokenSigner } from '../tokens/token-signer.js';

/**
 * The server's signing keys, held in memory and coordinated through the store, so every node
 * publishes the same JWKS. Rotation follows RFC 7517 practice in the slots of `KeySlot`
 * (key-slot.ts): a `prepared` key is published at least one access-token lifetime before it signs;
 * an `old` key stays published until every token it signed has expired.
 */
export interface SigningKeyRing {
  signer(): TokenSigner;
  /** The RFC 7517 JWK Set served at `jwks_uri`: public members only. */
  jwks(): { keys: JWK[] };
  /** A published verification key by `kid`, or undefined. */
  publicKey(kid: string): { key: KeyObject; alg: SigningAlg } | undefined;
  /** Loads keys from the store, creating the first ones and applying due transitions. */
  sync(): Promise<void>;
  /** Rotates now: the `prepared` key becomes active (made first if there is none) and a new one is prepared. */
  rotateNow(): Promise<void>;
  /** True once keys are loaded (for `/readyz`). */
  ready(): boolean;
}
