/** How many leading bytes are sniffed for a NUL, as git itself does to call a file binary. */
export const SNIFF_BYTES = 8000;

/**
 * Whether `bytes` look binary: a NUL in the first {@link SNIFF_BYTES} bytes (git's own rule, so
 * the scanner and `git diff` agree on what is text). Binary content is skipped, never decoded.
 */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/** Why a file or blob was not scanned. */
export type SkipReason = 'binary' | 'too-large' | 'unreadable';

/** One skipped file or blob, reported so a clean result never hides what was not read. */
export interface Skipped {
  path: string;
  source: 'worktree' | 'history';
  commit?: string;
  reason: SkipReason;
  /** Size in bytes, when known. */
  size?: number;
}
