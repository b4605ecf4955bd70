import { API_KEY_SEARCH_PATTERN, apiKeyFormatFault } from '@agentauth/protocol';

import { positionOf, type Match } from './finding.js';

/** Rule id of a managed key whose checksum holds. */
export const MANAGED_KEY_RULE = 'agentauth-api-key';

/** `aak_` and a base62 run of any length, not inside a longer word: every candidate, whole or not. */
const CANDIDATE = /(?<![A-Za-z0-9_])aak_[0-9A-Za-z]{8,}(?![A-Za-z0-9_])/g;

/** What the managed-key detector found in one text. */
export interface ManagedKeyScan {
  /** Whole keys: the shape and the CRC32 checksum hold. */
  matches: Match[];
  /**
   * Look-alikes: `aak_` and base62 that are not a whole key (truncated, mistyped, or the right
   * length with a failing checksum). They are counted, never reported: no server accepts them.
   */
  lookalikes: number;
}

/**
 * Finds managed API keys (docs/migration.md, "The key format") in `text`, checked offline with
 * the protocol package's parser: a candidate is a finding only when its shape and CRC32 checksum
 * hold. What it does NOT check: that the server issued the key or that it is live (`--verify`).
 */
export function detectManagedKeys(text: string): ManagedKeyScan {
  const matches: Match[] = [];
  let lookalikes = 0;
  if (!text.includes('aak_')) return { matches, lookalikes };
  const whole = new Set<number>();
  for (const found of text.matchAll(new RegExp(API_KEY_SEARCH_PATTERN.source, API_KEY_SEARCH_PATTERN.flags))) {
    const index = found.index ?? 0;
    if (apiKeyFormatFault(found[0]) !== undefined) continue;
    whole.add(index);
    const { line, column } = positionOf(text, index);
    matches.push({ rule: MANAGED_KEY_RULE, kind: 'managed-key', description: 'agentauth managed API key (checksum verified)', secret: found[0], line, column });
  }
  for (const found of text.matchAll(CANDIDATE)) if (!whole.has(found.index ?? 0)) lookalikes++;
  return { matches, lookalikes };
}
