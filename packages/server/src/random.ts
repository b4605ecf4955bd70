import { randomFillSync } from 'node:crypto';

/** Source of identifiers and secrets; injected so tests may make it deterministic. */
export interface Random {
  /** `bytes` cryptographically random bytes, base64url without padding. */
  token(bytes: number): string;
}

/** Bytes drawn from the CSPRNG at a time; requests above a quarter of it bypass the pool. */
const POOL_BYTES = 4096;

/**
 * `Random` over node:crypto's CSPRNG, drawing 4 KiB at a time: POST /token takes two or three
 * small ids per request (request id, `jti`), and one `randomFillSync` call per id cost about 2% of
 * the main thread in a CPU profile. Every byte of the pool is handed out once, then it is refilled;
 * nothing is ever reused. Handed-out bytes are wiped from the pool; the up to 4 KiB not yet handed
 * out sit in the heap until used, as any secret this process holds does (a heap snapshot or core
 * dump of the server exposes its master key too).
 */
export function createCryptoRandom(): Random {
  const pool = Buffer.allocUnsafe(POOL_BYTES);
  let offset = POOL_BYTES;
  return {
    token(bytes) {
      if (!Number.isInteger(bytes) || bytes < 1) throw new RangeError('random.token: bytes must be a positive integer');
      if (bytes > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(bytes)).toString('base64url');
      if (offset + bytes > POOL_BYTES) {
        randomFillSync(pool);
        offset = 0;
      }
      const out = pool.toString('base64url', offset, offset + bytes);
      // Handed out: wipe it so no copy of an issued secret lingers in the pool.
      pool.fill(0, offset, offset + bytes);
      offset += bytes;
      return out;
    },
  };
}

export const cryptoRandom: Random = createCryptoRandom();
