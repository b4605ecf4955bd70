import { countWalks } from './count-walks.js';

/**
 * Drives a single-use record into the steady state of a busy service: `rate` claims a second for
 * 90 s (each kept 90 s after its whole second, like a DPoP proof), then `claims` more, each of which
 * expires an old one. Returns how many of the latter were accepted, and the walks they made
 * (`countWalks`): the cost per claim, counted in steps rather than timed.
 *
 * Taking expired entries from a map's own front started an iterator per claim that stepped over
 * every slot deleted since the map's last rehash: at 4,000 a second, 100,000 claims took ~2 s
 * (~20 µs each); from an arrival queue (`ExpiringKeys`), no walk at all. How fast claims are is
 * `npm run bench`'s to say (the DPoP scenario claims a proof per request), never a test's.
 */
export function steadyStateClaims(
  claim: (key: string, expiresAt: number, now: number) => boolean,
  { rate = 4_000, claims = 100_000, start = 1_800_000_000_000 } = {},
): { accepted: number; collectionWalks: number; arrayElements: number } {
  let now = start;
  let n = 0;
  const claimNext = () => {
    const ok = claim(`proof-${n++}`, Math.floor(now / 1000) * 1000 + 90_000, now);
    now += 1000 / rate;
    return ok;
  };
  for (let i = 0; i < rate * 90; i++) claimNext();
  const { result: accepted, collectionWalks, arrayElements } = countWalks(() => {
    let ok = 0;
    for (let i = 0; i < claims; i++) if (claimNext()) ok += 1;
    return ok;
  });
  return { accepted, collectionWalks, arrayElements };
}
