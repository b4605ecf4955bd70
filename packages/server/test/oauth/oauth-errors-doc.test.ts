import { readFile } from 'node:fs/promises';
import { AUTHZEN_ERROR_CODES, CA_ERROR_CODES, OAUTH_ERROR_CODES, SSF_ERROR_CODES, type ProtocolErrorCode } from '@agentauth/protocol';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_ERRORS } from '../../src/oauth/oauth-error.js';

const DOC = new URL('../../../../docs/errors.md', import.meta.url);

async function documentedCodes(): Promise<string[]> {
  const text = await readFile(DOC, 'utf8');
  const start = text.indexOf('\n## OAuth error codes\n');
  expect(start, 'docs/errors.md has an "## OAuth error codes" section').toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  return [...text.slice(start, end === -1 ? undefined : end).matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string);
}

describe('docs/errors.md and OAUTH_ERROR_CODES agree', () => {
  it('documents every OAuth error code the server can send', async () => {
    const documented = await documentedCodes();
    for (const code of OAUTH_ERROR_CODES) expect(documented, `${code} is missing from docs/errors.md`).toContain(code);
  });

  it('documents no code the protocol package does not have, and none twice', async () => {
    const documented = await documentedCodes();
    const known: readonly string[] = OAUTH_ERROR_CODES;
    expect(documented.filter((c) => !known.includes(c))).toEqual([]);
    expect(documented.filter((c, i) => documented.indexOf(c) !== i)).toEqual([]);
  });
});

/**
 * Every surface's closed list against its section of docs/errors.md, both ways, with the status:
 * each documented row's status is the code's own (`PROTOCOL_ERRORS`) or a variant the row names.
 */
const SURFACES: { section: string; codes: readonly ProtocolErrorCode[]; rows: (section: string) => { code: string; status: number }[] }[] = [
  {
    section: 'OAuth error codes',
    codes: OAUTH_ERROR_CODES,
    // | `code` | 400 (413 for ...) | when |
    rows: (text) => [...text.matchAll(/^\| `([a-z_]+)` \| (\d{3})[^|]*\|/gm)].map((m) => ({ code: m[1] as string, status: Number(m[2]) })),
  },
  ...(['Certificate authority endpoints', 'Shared Signals endpoints', 'AuthZEN endpoints'] as const).map((section) => ({
    section,
    codes: section.startsWith('Certificate') ? CA_ERROR_CODES : section.startsWith('Shared') ? SSF_ERROR_CODES : AUTHZEN_ERROR_CODES,
    // | 400 | `code` | when |
    rows: (text: string) => [...text.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map((m) => ({ code: m[2] as string, status: Number(m[1]) })),
  })),
];

async function sectionOf(heading: string): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const start = text.search(new RegExp(`\\n## ${heading}[^\\n]*\\n`));
  expect(start, `docs/errors.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

describe.each(SURFACES)('docs/errors.md, section $section: the closed list and the table agree', ({ section, codes, rows }) => {
  it('documents every code of the list, and no other', async () => {
    const documented = new Set(rows(await sectionOf(section)).map((row) => row.code));
    expect([...documented].sort()).toEqual([...new Set(codes)].sort());
  });

  it('documents each code with the status it is answered with', async () => {
    const documented = rows(await sectionOf(section));
    for (const code of codes) {
      const statuses = documented.filter((row) => row.code === code).map((row) => row.status);
      expect(statuses, `${section}: ${code}`).toContain(PROTOCOL_ERRORS[code].status);
    }
  });
});

describe('PROTOCOL_ERRORS', () => {
  it('holds exactly the codes the surfaces answer', () => {
    expect(Object.keys(PROTOCOL_ERRORS).sort()).toEqual([...new Set([...OAUTH_ERROR_CODES, ...CA_ERROR_CODES, ...SSF_ERROR_CODES, ...AUTHZEN_ERROR_CODES])].sort());
  });

  it('gives each a status and a description in RFC 6749 section 5.2 characters', () => {
    for (const { status, description } of Object.values(PROTOCOL_ERRORS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    }
  });
});
