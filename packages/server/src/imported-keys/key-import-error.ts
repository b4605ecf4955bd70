/** One refused line of an import batch: its line number, the member, and what to fix. */
export interface ImportLineError {
  /** The line in the caller's file (the `line` it sent), else the 1-based position in the batch. */
  line: number;
  /** The member at fault, `key_digest`, `agent_id`, ...; the line as a whole when absent. */
  field?: string;
  /** Names the rule, never the value: a digest or a stray key is never repeated. */
  message: string;
}

/**
 * A refused import batch (docs/migration.md, "Keys you already have"): nothing was written, and
 * every line at fault is reported at once so the file can be fixed in one pass. The admin API
 * renders it as `validation_failed` with the lines in the problem's `lines` member (RFC 9457 §3.2).
 */
export class KeyImportError extends Error {
  override readonly name = 'KeyImportError';
  constructor(readonly lines: readonly ImportLineError[]) {
    super(`${lines.length} line${lines.length === 1 ? '' : 's'} of the import refused; nothing was imported`);
  }
}
