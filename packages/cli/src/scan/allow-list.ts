import { readFile } from 'node:fs/promises';

import { UsageError } from '../cli-errors.js';
import type { Finding } from './finding.js';

/** The allow-list file read from the scanned root when `--allow` names none. */
export const DEFAULT_ALLOW_FILE = '.agentauth-scan-allow';
/** An allow-list is a short hand-written file; anything bigger is a mistake. */
const MAX_ALLOW_FILE_BYTES = 256 * 1024;
const FINGERPRINT = /^[0-9a-f]{24}$/;

/**
 * What a scan does not report (docs/cli.md, "scan"): findings by fingerprint (a test fixture's
 * fake key, a secret already rotated) and paths by glob (`fixtures/**`). One entry a line; `#`
 * starts a comment. A line of 24 hex characters is a fingerprint, any other line a path glob where
 * `*` matches within one path segment, `**` across segments and `?` one character; a glob without
 * `/` matches the file name in any directory, as in .gitignore.
 */
export class AllowList {
  readonly #fingerprints: ReadonlySet<string>;
  readonly #globs: readonly RegExp[];

  constructor(fingerprints: Iterable<string>, globs: readonly string[]) {
    this.#fingerprints = new Set(fingerprints);
    this.#globs = globs.map(globToRegExp);
  }

  /** Parses the file's text; never fails on content (an odd line is a glob that matches little). */
  static parse(text: string): AllowList {
    const fingerprints: string[] = [];
    const globs: string[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '') continue;
      if (FINGERPRINT.test(line)) fingerprints.push(line);
      else globs.push(line);
    }
    return new AllowList(fingerprints, globs);
  }

  /** Reads `path`; a missing default file is an empty list, a missing named one a usage error. */
  static async load(path: string, named: boolean): Promise<AllowList> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (!named && (error as { code?: string }).code === 'ENOENT') return new AllowList([], []);
      throw new UsageError(`cannot read the allow-list ${path}: ${(error as { code?: string }).code ?? 'error'}`, 'scan');
    }
    if (bytes.length > MAX_ALLOW_FILE_BYTES) throw new UsageError(`the allow-list ${path} is larger than ${MAX_ALLOW_FILE_BYTES} bytes`, 'scan');
    return AllowList.parse(bytes.toString('utf8'));
  }

  /** Whether a finding is allowed: its fingerprint is listed or its path matches a glob. */
  allows(finding: Pick<Finding, 'fingerprint' | 'path'>): boolean {
    return this.#fingerprints.has(finding.fingerprint) || this.allowsPath(finding.path);
  }

  /** Whether a path matches a glob (so its skipped files are not reported either). */
  allowsPath(path: string): boolean {
    return this.#globs.some((glob) => glob.test(path));
  }
}

/** A glob as an anchored RegExp over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.startsWith('/');
  const body = glob.replace(/^\/+/, '').replace(/\/+$/, '/**');
  let source = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === '*' && body[i + 1] === '*') {
      // `**/` matches no directory or any number of them; a trailing `**` matches everything.
      if (body[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const prefix = anchored || body.includes('/') ? '^' : '^(?:.*/)?';
  return new RegExp(`${prefix}${source}$`);
}
