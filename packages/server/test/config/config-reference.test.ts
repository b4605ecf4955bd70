import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFIG_REFERENCE_END,
  CONFIG_REFERENCE_START,
  renderConfigReference,
  updateConfigReference,
} from '../../src/config/render-config-reference.js';
import { SETTINGS } from '../../src/config/schema.js';
import { writeConfigReference } from '../../src/config/write-config-reference.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const STALE = 'is out of date with packages/server/src/config/schema.ts: run `npm run docs:config`';

describe('generated settings reference in the docs', () => {
  // The README carries the block once the lead adds the markers; from then on it is kept true too.
  const readme = join(root, 'README.md');
  const carriers = ['docs/configuration.md'];
  if (existsSync(readme) && readFileSync(readme, 'utf8').includes(CONFIG_REFERENCE_START)) carriers.push('README.md');

  it.each(carriers)('%s holds the reference generated from the schema', (file) => {
    const markdown = readFileSync(join(root, file), 'utf8');
    expect(updateConfigReference(markdown), `${file} ${STALE}`).toBe(markdown);
  });
});

describe('renderConfigReference', () => {
  const table = renderConfigReference();

  it('has one row per setting, with its variable, flag and description', () => {
    const rows = table.trimEnd().split('\n').slice(2);
    expect(rows).toHaveLength(SETTINGS.length);
    for (const [i, s] of SETTINGS.entries()) {
      expect(rows[i]).toMatch(new RegExp(`^\\| \`${s.env}\` \\| \`${s.flag}\` \\| `));
      expect(rows[i]).toContain(s.description);
      expect(rows[i]?.includes('**secret**')).toBe(s.secret);
    }
  });

  it('shows defaults, including derived ones', () => {
    expect(table).toContain('| `AGENTAUTH_PORT` | `--port` | `8080` | integer 1–65535 |');
    expect(table).toContain('| `AGENTAUTH_ISSUER` | `--issuer` | `http://HOST:PORT` |');
    expect(table).toContain('| `AGENTAUTH_SIGNING_ALG` | `--signing-alg` | `ES256` | `ES256`, `EdDSA`, `PS256` |');
  });
});

describe('updateConfigReference', () => {
  const doc = `# Title\n\nintro\n\n${CONFIG_REFERENCE_START}\nstale table\n${CONFIG_REFERENCE_END}\n\nafter\n`;

  it('replaces only the marked block, and is then stable', () => {
    const updated = updateConfigReference(doc);
    expect(updated).toBe(`# Title\n\nintro\n\n${CONFIG_REFERENCE_START}\n${renderConfigReference()}${CONFIG_REFERENCE_END}\n\nafter\n`);
    expect(updateConfigReference(updated)).toBe(updated);
  });

  it.each([
    ['no markers', '# Title\n'],
    ['no end marker', `${CONFIG_REFERENCE_START}\n`],
    ['markers out of order', `${CONFIG_REFERENCE_END}\n${CONFIG_REFERENCE_START}\n`],
    ['two blocks', `${CONFIG_REFERENCE_START}${CONFIG_REFERENCE_END}${CONFIG_REFERENCE_START}${CONFIG_REFERENCE_END}`],
  ])('refuses a document with %s', (_, markdown) => {
    expect(() => updateConfigReference(markdown)).toThrow(TypeError);
  });
});

describe('writeConfigReference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentauth-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites the block in every file', async () => {
    const files = ['a.md', 'b.md'].map((name) => join(dir, name));
    for (const f of files) writeFileSync(f, `# ${f}\n${CONFIG_REFERENCE_START}\nold\n${CONFIG_REFERENCE_END}\n`);
    await writeConfigReference(files);
    for (const f of files) expect(readFileSync(f, 'utf8')).toBe(`# ${f}\n${CONFIG_REFERENCE_START}\n${renderConfigReference()}${CONFIG_REFERENCE_END}\n`);
  });

  it('names the file whose markers are missing', async () => {
    const f = join(dir, 'no-markers.md');
    writeFileSync(f, '# nothing\n');
    await expect(writeConfigReference([f])).rejects.toThrow(`${f}: expected exactly one`);
  });
});

describe('renderFlagsHelp (agentauth start --help)', () => {
  it('lists every flag of the schema with its variable, description and default, without Markdown', async () => {
    const { renderFlagsHelp } = await import('../../src/config/render-flags-help.js');
    const help = renderFlagsHelp('start');
    expect(help).toMatch(/^usage: agentauth start /);
    expect(help).toContain('--config FILE');
    for (const s of SETTINGS) {
      expect(help).toContain(`  ${s.flag}${s.type.kind === 'boolean' ? '\n' : ' VALUE\n'}`);
      expect(help).toContain(`      ${s.env}; `);
    }
    expect(help).toContain('AGENTAUTH_PORT; integer 1–65535; default 8080');
    expect(help).not.toMatch(/[`*]{1,2}[a-z]/);
  });
});
