import type { JWK } from 'jose';

import type { SigningAlg } from '@agentauth/protocol';

/**
 * What an agent must remember between runs: who it is, and its private key. Treat it as a secret
 * (it holds the private JWK): keep it in memory, in a file with mode 0600 (`fileKeyStore` from
 * `@agentauth/client/node`), or in a secret store behind your own {@link KeyStore}.
 */
export interface StoredIdentity {
  /** Format version of this record. */
  version: 1;
  /** The issuer the agent enrolled with; a stored identity is only used for the same issuer. */
  issuer: string;
  /** The agent's `client_id` (RFC 6749 §2.2). */
  clientId: string;
  alg: SigningAlg;
  kid: string;
  /** The private JWK (RFC 7517 §4 with the private members of RFC 7518 §6). */
  privateJwk: JWK;
  /** A kid replaced by `rotateKey()` that is still to be removed from the server (crash in between). */
  retiredKid?: string;
}

/**
 * Where an agent keeps its identity. `load` answers undefined when nothing is stored yet (the
 * agent then enrols); `save` replaces what is stored, atomically if the medium allows.
 */
export interface KeyStore {
  load(): Promise<StoredIdentity | undefined>;
  save(identity: StoredIdentity): Promise<void>;
}

/**
 * A key store in this process's memory: the identity lives as long as the process. Running the
 * agent again enrols again (with a new token), so use it for short-lived agents and tests.
 */
export function memoryKeyStore(initial?: StoredIdentity): KeyStore {
  let stored = initial === undefined ? undefined : structuredClone(initial);
  return {
    load: () => Promise.resolve(stored === undefined ? undefined : structuredClone(stored)),
    save: (identity) => {
      stored = structuredClone(identity);
      return Promise.resolve();
    },
  };
}

/** Checks the shape of a loaded identity; a store holding anything else is misconfigured. */
export function checkStoredIdentity(value: unknown): StoredIdentity {
  const v = value as Partial<StoredIdentity> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    v.version !== 1 ||
    typeof v.issuer !== 'string' ||
    typeof v.clientId !== 'string' ||
    typeof v.alg !== 'string' ||
    typeof v.kid !== 'string' ||
    typeof v.privateJwk !== 'object' ||
    v.privateJwk === null
  ) {
    throw new TypeError('the key store holds no valid agent identity');
  }
  return v as StoredIdentity;
}
