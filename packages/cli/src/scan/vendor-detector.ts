import { basename } from 'node:path';

import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';

import { positionOf, type Match } from './finding.js';

type LintOptions = Parameters<typeof lintSource>[0]['options'];
type LintMessage = Awaited<ReturnType<typeof lintSource>>['messages'][number];

/** secretlint's recommended preset, configured once: the maintained vendor rules. */
const CONFIG: LintOptions['config'] = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] };
const RULE_PREFIX = '@secretlint/secretlint-rule-';

// secretlint's shared profiler sets two performance marks per rule per source and keeps every
// one (in its own arrays and in the process's performance timeline), searching them linearly:
// over thousands of blobs that is memory without bound and a scan that slows as it goes. The scan
// never reads the profile, so nothing is marked.
secretLintProfiler.mark = () => undefined;

/**
 * Finds vendor secrets in `text` with secretlint's recommended rule preset (cloud providers,
 * source hosts, chat tools, LLM providers, private keys, basic auth in URLs...; the families it
 * covers and does not are listed in docs/migration.md, "Finding leaked keys"). secretlint's own
 * messages quote the secret, so they are never used: a match is described by its rule and message
 * id. `path` only helps rules that look at file names; the file is never read again.
 */
export async function detectVendorSecrets(text: string, path: string): Promise<Match[]> {
  const result = await lintSource({ source: { content: text, filePath: path, contentType: 'text' }, options: { config: CONFIG, maskSecrets: false } });
  const matches: Match[] = [];
  for (const message of result.messages) {
    if (message.type !== 'message') continue;
    const found = secretOf(text, message, basename(path));
    if (found === undefined) continue;
    const { line, column } = positionOf(text, found.index);
    const family = message.ruleId.startsWith(RULE_PREFIX) ? message.ruleId.slice(RULE_PREFIX.length) : message.ruleId;
    matches.push({ rule: `secretlint/${family}`, kind: 'vendor', description: `${family}: ${message.messageId}`, secret: found.secret, line, column });
  }
  return matches;
}

/**
 * The secret a message reports and where it starts. A rule's message data carries the matched
 * value; its range usually, but not always, starts at it (some rules report the whole assignment),
 * so the value is looked for from the range's start, and the range itself is the fallback.
 */
function secretOf(text: string, message: LintMessage, fileName: string): { secret: string; index: number } | undefined {
  // A rule that flags a whole file (GCP's service-account JSON) puts the file's name in its data.
  const values = Object.values((message.data ?? {}) as Record<string, unknown>).filter((value): value is string => typeof value === 'string' && value.length >= 8 && value !== fileName);
  const [start, end] = message.range;
  for (const value of values.sort((a, b) => b.length - a.length)) {
    const index = text.indexOf(value, Math.max(0, start - value.length));
    if (index !== -1 && index <= end) return { secret: value, index };
  }
  const slice = text.slice(start, end);
  return slice.length === 0 ? undefined : { secret: slice, index: start };
}
