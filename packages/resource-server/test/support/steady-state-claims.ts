/**
 * Drives a single-use record into the steady state of a busy service: `rate` claims a second for
 * 90 s (each kept 90 s after its whole second, like a DPoP proof), then `claims` more, each of which
 * expires an old one. Returns how many of the latter were accepted and how long they took, ms.
 *
 * Taking expired entries from a map's own front stepped over every slot deleted since the map's
 * last rehash: at 4,000 a second, 100,000 claims took ~2 s (~20 µs each); from an arrival queue
 * (`ExpiringKeys`) ~0.1 s.
 */
export function steadyStateClaims(claim: (key: string, expiresAt: number, now: number) => boolean, { rate = 4_000, claims = 100_000, start = 1_800_000_000_000 } = {}): { accepted: number; elapsedMs: number } {
  let now = start;
  let n = 0;
  const claimNext = () => {
    const ok = claim(`proof-${n++}`, Math.floor(now / 1000) * 1000 + 90_000, now);
    now += 1000 / rate;
    return ok;
  };
  for (let i = 0; i < rate * 90; i++) claimNext();
  const started = performance.now();
  let accepted = 0;
  for (let i = 0; i < claims; i++) if (claimNext()) accepted += 1;
  return { accepted, elapsedMs: performance.now() - started };
}
