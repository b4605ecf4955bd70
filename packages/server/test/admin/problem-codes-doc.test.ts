import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ADMIN_PROBLEMS, ADMIN_PROBLEM_CODES } from '../../src/admin/problem-codes.js';

const DOC = new URL('../../../../docs/errors.md', import.meta.url);

/** The rows of the table under "## Admin API problem codes": code, status, title. */
async function documentedProblems(): Promise<{ code: string; status: number; title: string }[]> {
  const text = await readFile(DOC, 'utf8');
  const start = text.indexOf('\n## Admin API problem codes\n');
  expect(start, 'docs/errors.md has an "## Admin API problem codes" section').toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([^|]+?) \|/gm)].map((m) => ({
    code: m[1] as string,
    status: Number(m[2]),
    title: (m[3] as string).trim(),
  }));
}

describe('docs/errors.md and ADMIN_PROBLEMS agree', () => {
  it('documents every problem code in the code, with its status and title', async () => {
    const rows = await documentedProblems();
    for (const code of ADMIN_PROBLEM_CODES) {
      const row = rows.find((r) => r.code === code);
      expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
      expect(row).toEqual({ code, status: ADMIN_PROBLEMS[code].status, title: ADMIN_PROBLEMS[code].title });
    }
  });

  it('documents no code the server does not have, and none twice', async () => {
    const codes = (await documentedProblems()).map((r) => r.code);
    const known: readonly string[] = ADMIN_PROBLEM_CODES;
    expect(codes.filter((c) => !known.includes(c)), 'codes in docs/errors.md but not in ADMIN_PROBLEMS').toEqual([]);
    expect(codes.filter((c, i) => codes.indexOf(c) !== i), 'codes documented twice').toEqual([]);
  });

  it('has at least the codes the admin API contract promises', () => {
    for (const code of ['unauthenticated', 'forbidden', 'not_found', 'validation_failed', 'conflict', 'rotation_too_soon', 'payload_too_large', 'unsupported_media_type', 'malformed_json', 'internal_error']) {
      expect(ADMIN_PROBLEM_CODES).toContain(code);
    }
  });
});
