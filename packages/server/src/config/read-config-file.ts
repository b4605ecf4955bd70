import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { AnySetting } from './setting.js';
import { suggestName } from './suggest-name.js';

/** One value from the config file, with where it was written. */
export interface FileValue {
  readonly raw: unknown;
  /** `<path>:<line>: <key>`, the prefix of any problem with this value. */
  readonly source: string;
  /** Line of the key, to list problems in file order. */
  readonly line: number;
}

/** What the YAML config file says, before its values are validated. */
export interface ConfigFile {
  /** Raw value per Config key. */
  readonly values: ReadonlyMap<string, FileValue>;
  /** Each with the line it is about (0 for the whole file), to list problems in file order. */
  readonly problems: readonly { readonly line: number; readonly text: string }[];
}

/** A config file is a short list of settings; anything bigger is a mistake (a log, a binary). */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * Reads the YAML config file: one mapping whose keys are the flag names without dashes
 * (`port`, `data-dir`, `trusted-proxies`). YAML 1.2 core schema, so `no` is a string, not false.
 * A key set to null (`redis-url:`) counts as not set. Unreadable files, YAML errors, duplicate
 * and unknown keys are returned as problems, never thrown. YAML error texts are cut to their
 * first line: the parser's context snippet would quote the file, secrets included.
 */
export function readConfigFile(path: string, cwd: string, settings: readonly AnySetting[]): ConfigFile {
  const values = new Map<string, FileValue>();
  const problems: { line: number; text: string }[] = [];
  const problem = (line: number, text: string) => problems.push({ line, text });
  const result = () => ({ values, problems });

  const text = readText(path, cwd);
  if (typeof text !== 'string') {
    problem(0, text.problem);
    return result();
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const where = error.linePos === undefined ? '' : `:${error.linePos[0].line}:${error.linePos[0].col}`;
      // The library's advice ("use parseAllDocuments") is meant for programmers, not operators.
      const summary =
        error.code === 'MULTIPLE_DOCS' ? 'a config file holds one YAML document' : (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problem(error.linePos?.[0].line ?? 0, `${path}${where}: invalid YAML: ${summary}`);
    }
    return result();
  }
  if (doc.contents === null) return result();
  if (!isMap(doc.contents)) {
    problem(0, `${path}: must be a YAML mapping of setting names to values`);
    return result();
  }

  const byName = new Map(settings.map((s) => [s.flag.slice(2), s]));
  let content: Record<string, unknown>;
  try {
    content = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch {
    // The only failure left after parsing: too many alias expansions (a "billion laughs" file).
    problem(0, `${path}: invalid YAML: too many alias references`);
    return result();
  }
  for (const pair of doc.contents.items) {
    const line = isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null ? lineCounter.linePos(pair.key.range[0]).line : undefined;
    const at = line === undefined ? path : `${path}:${line}`;
    const name = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof name !== 'string') {
      problem(line ?? 0, `${at}: setting names must be strings`);
      continue;
    }
    const setting = byName.get(name);
    if (setting === undefined) {
      const suggestion = suggestName(name, [...byName.keys()]);
      problem(line ?? 0, `${at}: ${JSON.stringify(name.slice(0, 64))} is not a setting${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`);
      continue;
    }
    const raw = content[name];
    if (raw !== null && raw !== undefined) values.set(setting.key, { raw, source: `${at}: ${name}`, line: line ?? 0 });
  }
  return result();
}

function readText(path: string, cwd: string): string | { problem: string } {
  try {
    const absolute = resolve(cwd, path);
    const stat = statSync(absolute);
    if (!stat.isFile()) return { problem: `${path}: config file is not a regular file` };
    if (stat.size > MAX_FILE_BYTES) return { problem: `${path}: config file is larger than ${MAX_FILE_BYTES} bytes` };
    return readFileSync(absolute, 'utf8');
  } catch (error) {
    return { problem: `${path}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})` };
  }
}
