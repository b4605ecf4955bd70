import { positionOf, type Match } from './finding.js';

/** Rule id of the generic detector. */
export const ENTROPY_RULE = 'generic-high-entropy';

/**
 * A value assigned to a name that says it is secret: `API_KEY=...`, `"client_secret": "..."`,
 * `password: ...`. The value is 20 to 200 characters of the alphabets keys are written in.
 */
// The name's parts are bounded and start only at the start of a name, so a long run of name
// characters (minified code, a generated file) costs linear time, never quadratic.
const ASSIGNMENT =
  /(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]{0,64}(?:secret|token|passw(?:or)?d|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key)[A-Za-z0-9_.-]{0,64}["']?[ \t]*(?::=|=>|=|:)[ \t]*["'`]?([A-Za-z0-9+/_\-.~=]{20,200})(?![A-Za-z0-9+/_\-.~=])/gi;

/** Bits per character below which a value reads as words or a pattern, not a random key. */
export const MIN_ENTROPY_BITS = 3.5;

/**
 * Our own small generic rule, because secretlint's preset has none: a high-entropy value (Shannon
 * entropy of at least {@link MIN_ENTROPY_BITS} bits per character, with both letters and digits)
 * assigned to a secret-sounding name. It catches the vendors the preset does not know (payment
 * processors among them) when they are written as configuration. What it does NOT find: a key
 * on its own, without such a name before it; a value of fewer than 20 characters.
 */
export function detectHighEntropyAssignments(text: string): Match[] {
  const matches: Match[] = [];
  for (const found of text.matchAll(ASSIGNMENT)) {
    const value = found[1] ?? '';
    if (!looksRandom(value)) continue;
    const index = (found.index ?? 0) + found[0].length - value.length;
    const { line, column } = positionOf(text, index);
    matches.push({ rule: ENTROPY_RULE, kind: 'entropy', description: 'high-entropy value assigned to a secret-sounding name', secret: value, line, column });
  }
  return matches;
}

/** A segment of a name or placeholder: a short word, a number, or a word and a number (`sha256`). */
const WORDISH = /^(?:[A-Za-z]{1,12}[0-9]{0,6}|[0-9]{1,12})$/;

/**
 * Letters and digits both, enough entropy per character, and not words joined by `-`, `_` or `.`
 * (`bootstrap_token_sha256`, `test-client-secret-0123456789`): names and fixtures, not keys.
 */
export function looksRandom(value: string): boolean {
  const segments = value.split(/[-_.]/);
  if (segments.length > 1 && segments.every((segment) => segment === '' || WORDISH.test(segment))) return false;
  return /[A-Za-z]/.test(value) && /[0-9]/.test(value) && shannonEntropy(value) >= MIN_ENTROPY_BITS;
}

/** Shannon entropy of `value`'s characters, in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
