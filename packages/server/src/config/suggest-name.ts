/**
 * The known name an unknown one was probably meant to be, for "did you mean" hints: the same name
 * in another spelling (`dataDir` for `data-dir`), else the closest within two edits.
 */
export function suggestName(unknown: string, known: readonly string[]): string | undefined {
  const fold = (name: string) => name.replace(/^-+|^AGENTAUTH_/i, '').replace(/[-_]/g, '').toLowerCase();
  const folded = fold(unknown);
  const sameWord = known.find((name) => fold(name) === folded);
  if (sameWord !== undefined) return sameWord;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = editDistance(folded, fold(name), bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Levenshtein distance, or `limit` as soon as it is known to reach it (names are short). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return Math.min(previous[b.length] ?? limit, limit);
}
