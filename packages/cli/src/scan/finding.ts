import { createHash } from 'node:crypto';

/**
 * What `agentauth scan` reports (docs/cli.md, "scan"; docs/migration.md, "Finding leaked keys").
 * A finding holds the secret only in memory, to fingerprint it and to ask the server about it;
 * nothing it prints or writes carries more than {@link redact} shows.
 */

/** Which detector matched: our managed keys, a secretlint vendor rule, or the entropy rule. */
export type DetectorKind = 'managed-key' | 'vendor' | 'entropy';

/** A match in one text, before it is placed in a file or a commit. */
export interface Match {
  /** A stable rule id: `agentauth-api-key`, `secretlint/aws`, `generic-high-entropy`. */
  rule: string;
  kind: DetectorKind;
  /** What was found, in words, without the secret: `AWS access key ID`. */
  description: string;
  /** The secret itself; never printed. */
  secret: string;
  /** 1-based line and column of the secret's first character. */
  line: number;
  column: number;
}

/** What `--verify` learnt of a managed key from the server. */
export type KeyStatus = 'live' | 'revoked' | 'expired' | 'unknown';

/** A match placed where it was found. */
export interface Finding extends Match {
  /** Path relative to the scanned root, with `/` separators. */
  path: string;
  /** `worktree` for the files on disk, `history` for a blob of a commit. */
  source: 'worktree' | 'history';
  /** The commit that introduced the blob (history only). */
  commit?: string;
  /** See {@link fingerprint}. */
  fingerprint: string;
  /** See {@link redact}. */
  redacted: string;
  /** Set by `--verify` for managed keys. */
  status?: KeyStatus;
  /** The managed key's id, when the server knows it. */
  keyId?: string;
  /** Set by `--revoke` when this run revoked the key. */
  revoked?: boolean;
}

/**
 * A finding's fingerprint: 24 hex characters of a SHA-256 of the secret under a fixed label, so it
 * is stable across runs, files and commits (the allow-list names it), yet is neither the key nor
 * the digest the server stores (docs/migration.md, "The key format"), which it never matches.
 */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(`agentauth-scan-v1\0${secret}`, 'utf8').digest('hex').slice(0, 24);
}

/**
 * The form of a secret that may be shown: its first characters (at most 4, or the `aak_` prefix)
 * and its last 4 at most, with an ellipsis between, and never more than a quarter of it on each
 * side, so a short secret shows little. Control characters never appear.
 */
export function redact(secret: string): string {
  const clean = secret.replace(/[^\x21-\x7e]/g, '?');
  const side = Math.min(4, Math.floor(clean.length / 4));
  if (side === 0) return '…';
  return `${clean.slice(0, side)}…${clean.slice(clean.length - side)}`;
}

/** The line starts of the text last asked about: the detectors ask many times of one text in turn. */
let lines: { text: string; starts: number[] } | undefined;

/**
 * 1-based line and column (in UTF-16 units) of `index` in `text`: a binary search over the text's
 * line starts, found once per text, so a file with many matches costs no more than one pass.
 */
export function positionOf(text: string, index: number): { line: number; column: number } {
  if (lines?.text !== text) {
    const starts = [0];
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    lines = { text, starts };
  }
  const { starts } = lines;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= index) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: index - (starts[low] as number) + 1 };
}
