import { readFile, stat } from 'node:fs/promises';
import { isKeyDigest } from '@agentauth/protocol';
import { AdminApiError } from './admin-api-error.js';
import type { LocatedProblem } from './policy-files.js';

/** Most lines one import takes: the server imports a batch all or nothing, up to this many. */
export const MAX_IMPORT_LINES = 1000;
/** A file of 1000 lines with scopes, resources and labels is far below this. */
const MAX_FILE_BYTES = 1024 * 1024;
/** The columns of a CSV import file, and the members of a JSONL line. */
const COLUMNS = ['key_digest', 'agent_id', 'owner', 'scopes', 'resources', 'labels', 'expires_at'] as const;

/** One line of an import file as the admin API takes it, with its line in the file. */
export interface ImportFileLine {
  line: number;
  key_digest: string;
  [member: string]: unknown;
}

/**
 * An import file at fault, in the file or at the server: every problem located in it
 * (`FILE:LINE: member: rule`), and never the value at fault, which may be a pasted key.
 */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    readonly problems: LocatedProblem[],
    /** The server's refusal, when the server found the faults; otherwise the file was never sent. */
    readonly refusal?: AdminApiError,
  ) {
    super(refusal?.message ?? `${problems.length} line${problems.length === 1 ? '' : 's'} of the import file refused; nothing was sent`);
  }
}

const problem = (file: string, line: number, message: string): LocatedProblem => ({ file, line, column: null, policy_id: null, message });

/** RFC 4180 fields of one CSV line (quoted fields may hold commas and doubled quotes; not line breaks). */
function csvFields(text: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
      if (i < text.length && text[i] !== ',') return undefined;
    } else {
      const end = text.indexOf(',', i);
      field = text.slice(i, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end;
    }
    fields.push(field.trim());
    if (i >= text.length) return fields;
    i += 1;
  }
}

/** A CSV row as a line: lists space-separated, labels as space-separated `key=value`, empty cells omitted. */
function fromCsv(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  header.forEach((name, index) => {
    const cell = cells[index] ?? '';
    if (cell === '') return;
    if (name === 'scopes' || name === 'resources') out[name] = cell.split(/\s+/);
    else if (name === 'labels') out[name] = Object.fromEntries(cell.split(/\s+/).map((pair) => [pair.slice(0, Math.max(0, pair.indexOf('='))), pair.slice(pair.indexOf('=') + 1)]));
    else out[name] = cell;
  });
  return out;
}

/**
 * Reads an import file (docs/migration.md, "Keys you already have"): JSONL (one JSON object a line)
 * or, for a `.csv` file, CSV with a header row naming the columns. Blank lines and lines starting
 * with `#` are skipped. Each `key_digest` must be a SHA-256 as 64 hex characters (upper case is
 * lowered); anything else, a raw key above all, refuses the whole file before anything is sent,
 * and no value is ever repeated in the report. Throws {@link KeyFileError}.
 */
export async function readImportFile(file: string, format: 'jsonl' | 'csv' | undefined): Promise<ImportFileLine[]> {
  const size = (await stat(file)).size;
  if (size > MAX_FILE_BYTES) throw new KeyFileError([problem(file, 1, `the file exceeds ${MAX_FILE_BYTES} bytes; split it`)]);
  const text = await readFile(file, 'utf8');
  const csv = (format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl')) === 'csv';
  const problems: LocatedProblem[] = [];
  const lines: ImportFileLine[] = [];
  let header: string[] | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const number = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    let value: Record<string, unknown>;
    if (csv) {
      const cells = csvFields(content);
      if (cells === undefined) return problems.push(problem(file, number, 'not a CSV line (an unclosed quote)'));
      if (header === undefined) {
        const unknown = cells.filter((name) => !(COLUMNS as readonly string[]).includes(name));
        if (!cells.includes('key_digest') || !cells.includes('agent_id') || unknown.length > 0) {
          return problems.push(problem(file, number, `the header must name the columns, key_digest and agent_id among them, of: ${COLUMNS.join(', ')}`));
        }
        header = cells;
        return;
      }
      value = fromCsv(header, cells);
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(content);
      } catch {
        return problems.push(problem(file, number, 'not a JSON object (JSONL: one object a line)'));
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return problems.push(problem(file, number, 'not a JSON object (JSONL: one object a line)'));
      value = parsed as Record<string, unknown>;
    }
    const digest = typeof value['key_digest'] === 'string' ? value['key_digest'].toLowerCase() : undefined;
    if (!isKeyDigest(digest)) {
      return problems.push(problem(file, number, 'key_digest: not a SHA-256 digest (64 hex characters); if this is the key itself, import its digest instead: printf %s "$KEY" | sha256sum'));
    }
    lines.push({ ...value, key_digest: digest, line: number });
    return undefined;
  });
  if (csv && header === undefined && problems.length === 0) problems.push(problem(file, 1, 'the CSV file has no header row'));
  if (problems.length === 0 && lines.length === 0) problems.push(problem(file, 1, 'the file holds no keys'));
  if (problems.length === 0 && lines.length > MAX_IMPORT_LINES) problems.push(problem(file, 1, `the file holds ${lines.length} keys; an import takes at most ${MAX_IMPORT_LINES}, all or nothing: split the file`));
  if (problems.length > 0) throw new KeyFileError(problems);
  return lines;
}

/** The server's refusal of an import, each line at fault located in `file`. */
export function importRefusal(file: string, error: unknown): unknown {
  if (!(error instanceof AdminApiError) || error.lines.length === 0) return error;
  return new KeyFileError(error.lines.map((l) => problem(file, l.line, l.field === null ? l.message : `${l.field}: ${l.message}`)), error);
}
