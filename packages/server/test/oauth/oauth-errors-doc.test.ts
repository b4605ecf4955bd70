import { readFile } from 'node:fs/promises';
import { OAUTH_ERROR_CODES } from '@agentauth/protocol';
import { describe, expect, it } from 'vitest';

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
