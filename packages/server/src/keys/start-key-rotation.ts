import type { SigningKeyRing } from './signing-key-ring.js';

/**
 * An `old` key stays published for the longest token lifetime plus this margin, so a node that
 * has not yet synced and still signs with the retired key cannot outrun it: the sync interval must
 * be shorter (see `createSigningKeyRing`).
 */
export const MAX_KEY_SYNC_INTERVAL_MS = 60_000;

/**
 * Calls `ring.sync()` every `intervalMs` so this node applies due rotations and learns of rotations
 * made by other nodes. Runs never overlap, and the timer does not keep the process
 * alive. Returns a function that stops it. Called by the composition root, never by a constructor.
 *
 * @param onError receives a failed sync (the store may be briefly unavailable); the next tick
 *   retries, and the node keeps signing with the keys it holds.
 */
export function startKeyRotation(ring: SigningKeyRing, intervalMs: number, onError: (error: unknown) => void): () => void {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0 || intervalMs > MAX_KEY_SYNC_INTERVAL_MS) {
    throw new TypeError(`intervalMs must be an integer in (0, ${MAX_KEY_SYNC_INTERVAL_MS}]`);
  }
  if (typeof onError !== 'function') throw new TypeError('onError must be a function');
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ring
      .sync()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
