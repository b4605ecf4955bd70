import type { Match } from './finding.js';
import { detectHighEntropyAssignments } from './entropy-detector.js';
import { detectManagedKeys } from './managed-key-detector.js';
import { detectVendorSecrets } from './vendor-detector.js';

/** Everything the detectors found in one text. */
export interface TextScan {
  matches: Match[];
  /** `aak_` look-alikes that are not whole keys (counted, not reported). */
  lookalikes: number;
}

/**
 * Runs every detector over one text: managed keys first, then secretlint's vendor rules, then the
 * generic entropy rule, which yields to the others: a value another detector already reported (or
 * that contains one) is not reported twice.
 */
export async function detectSecrets(text: string, path: string): Promise<TextScan> {
  const managed = detectManagedKeys(text);
  const specific = [...managed.matches, ...(await detectVendorSecrets(text, path))];
  const generic = detectHighEntropyAssignments(text).filter((match) => !specific.some((other) => other.secret.includes(match.secret) || match.secret.includes(other.secret)));
  const matches = [...specific, ...generic].sort((a, b) => a.line - b.line || a.column - b.column);
  return { matches, lookalikes: managed.lookalikes };
}
