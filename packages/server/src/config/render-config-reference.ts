import { SETTINGS } from './schema.js';
import type { AnySetting } from './setting.js';

/** Markers around the generated block in docs/configuration.md and README.md. */
export const CONFIG_REFERENCE_START = '<!-- config-reference:start -->';
export const CONFIG_REFERENCE_END = '<!-- config-reference:end -->';

/**
 * The settings reference as a Markdown table, generated from the one schema: one row
 * per setting with its environment variable, flag (also the YAML file key without the dashes),
 * default, accepted values and description. Secrets are marked; no secret value ever appears.
 */
export function renderConfigReference(): string {
  const rows = SETTINGS.map((s) => [
    `\`${s.env}\``,
    `\`${s.flag}\``,
    defaultText(s),
    s.secret ? `${s.type.summary}; **secret**` : s.type.summary,
    s.description,
  ]);
  const header = ['Environment variable', 'Flag / file key', 'Default', 'Value', 'Description'];
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/**
 * `markdown` with the text between the config-reference markers replaced by
 * {@link renderConfigReference}. Unchanged input means the block is up to date.
 *
 * @throws TypeError unless each marker appears exactly once, start before end.
 */
export function updateConfigReference(markdown: string): string {
  const start = markdown.indexOf(CONFIG_REFERENCE_START);
  const end = markdown.indexOf(CONFIG_REFERENCE_END);
  const once = (marker: string, at: number) => at !== -1 && markdown.indexOf(marker, at + 1) === -1;
  if (!once(CONFIG_REFERENCE_START, start) || !once(CONFIG_REFERENCE_END, end) || end < start) {
    throw new TypeError(`expected exactly one ${CONFIG_REFERENCE_START} followed by exactly one ${CONFIG_REFERENCE_END}`);
  }
  const before = markdown.slice(0, start + CONFIG_REFERENCE_START.length);
  return `${before}\n${renderConfigReference()}${markdown.slice(end)}`;
}

/** A setting's default as the docs show it (Markdown: values in backticks). */
export function defaultText(s: AnySetting): string {
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  const fallback = s.default;
  if (!('value' in fallback)) return `\`${fallback.doc}\``;
  const { value } = fallback;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return 'none';
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}
