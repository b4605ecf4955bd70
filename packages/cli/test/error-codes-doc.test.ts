import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { CLI_ERROR_CODES } from '../src/cli-errors.js';

describe("docs/cli.md lists the CLI's own --json error codes", () => {
  it('exactly those of CLI_ERROR_CODES, in both directions', () => {
    const docs = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    const table = docs.slice(docs.indexOf("The CLI's own codes:"));
    const documented = [...table.matchAll(/^\| `([a-z_]+)` \| [0-9] \|/gm)].map((match) => match[1]);
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...CLI_ERROR_CODES].sort());
  });
});
