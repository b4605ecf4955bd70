import { randomBytes } from 'node:crypto';

/** Source of identifiers and secrets; injected so tests may make it deterministic. */
export interface Random {
  /** `bytes` cryptographically random bytes, base64url without padding. */
  token(bytes: number): string;
}

export const cryptoRandom: Random = {
  token: (bytes) => randomBytes(bytes).toString('base64url'),
};
