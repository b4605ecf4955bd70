/**
 * Human output: aligned tables and key/value blocks, with no dependency. Everything shown comes
 * from the server, so control characters are escaped: an agent named with an ANSI escape must not
 * repaint the operator's terminal.
 */

/** C0/C1 control characters, DEL and the Unicode line separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeControl(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One line of text from elsewhere (a table cell, a field): every control character is escaped, so
 * nothing can move the cursor or end the line: newline, CR and tab as `\n`, `\r`, `\t`, the rest
 * (ESC first of all) as `\xNN`/`\uNNNN`.
 */
export function sanitize(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/**
 * A message that may run over several lines (an error of ours, a refusal's text): its line breaks
 * stay line breaks (CRLF as one), every other control character is escaped as {@link sanitize}
 * does, so a server's text still cannot send terminal escape sequences.
 */
export function sanitizeLines(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROL_BUT_NEWLINE, escapeControl);
}

/** How a cell value is shown: empty for null/undefined, lists comma-joined, objects as JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return sanitize(value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(','));
  if (typeof value === 'object') return sanitize(JSON.stringify(value));
  return sanitize(String(value));
}

/** One column: its heading and how to get the cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/**
 * Renders rows as a table: a header line, then one line per row, columns separated by two spaces
 * and padded to the widest cell; the last column is not padded, so lines have no trailing blanks.
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const grid = [columns.map((column) => column.header), ...rows.map((row) => columns.map((column) => cell(column.value(row))))];
  const widths = columns.map((_, index) => Math.max(...grid.map((line) => width(line[index] ?? ''))));
  return grid
    .map((line) =>
      line
        .map((text, index) => (index === line.length - 1 ? text : text + ' '.repeat((widths[index] ?? 0) - width(text))))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Renders `key: value` lines with the values aligned. */
export function renderFields(fields: readonly (readonly [string, unknown])[]): string {
  const keyWidth = Math.max(0, ...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${`${key}:`.padEnd(keyWidth + 1)}  ${cell(value)}`.trimEnd() + '\n').join('');
}

/** JSON for scripts: two-space indented, newline-terminated. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Code points, so accented names do not skew columns (wide CJK glyphs still do). */
function width(text: string): number {
  return [...text].length;
}
