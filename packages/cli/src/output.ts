/**
 * Human output: aligned tables and key/value blocks, with no dependency. Everything shown comes
 * from the server, so control characters are escaped: an agent named with an ANSI escape must not
 * repaint the operator's terminal.
 */

/** Escapes C0/C1 control characters (and DEL) as `\xNN`/`\uNNNN`. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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
