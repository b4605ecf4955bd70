import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveMasterKey } from '../../src/keys/master-key.js';

let root: string;
let warnings: string[];
const logger = { warn: (msg: string) => warnings.push(msg) };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentauth-master-key-'));
  warnings = [];
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('resolveMasterKey', () => {
  it('uses the configured key and writes nothing', async () => {
    const configured = randomBytes(32);
    const dataDir = join(root, 'data');
    expect(await resolveMasterKey({ configured, dataDir, logger })).toBe(configured);
    await expect(stat(dataDir)).rejects.toThrow();
    expect(warnings).toEqual([]);
  });

  it('refuses a configured key that is not 32 bytes', async () => {
    await expect(resolveMasterKey({ configured: randomBytes(16), dataDir: root, logger })).rejects.toThrow(TypeError);
  });

  it('creates <dataDir>/master.key once (dir 0700, file 0600), reuses it on the next start, and warns every time', async () => {
    const dataDir = join(root, 'data');
    const first = await resolveMasterKey({ configured: undefined, dataDir, logger });
    expect(first.length).toBe(32);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const file = join(dataDir, 'master.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toEqual(first);

    const second = await resolveMasterKey({ configured: undefined, dataDir, logger });
    expect(second).toEqual(first);
    expect(warnings).toHaveLength(2);
    for (const warning of warnings) {
      expect(warning).toMatch(/WARNING.*master key is stored beside the data/);
      expect(warning).not.toContain(first.toString('base64'));
    }
  });

  it('gives every concurrent starter the same key', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => resolveMasterKey({ configured: undefined, dataDir: root, logger })));
    for (const key of keys) expect(key).toEqual(keys[0]);
    // No temporary file is left behind by the losers.
    expect(await readdir(root)).toEqual(['master.key']);
  });

  it('refuses a key file readable by group or others', async () => {
    const file = join(root, 'master.key');
    await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await chmod(file, 0o640);
    await expect(resolveMasterKey({ configured: undefined, dataDir: root, logger })).rejects.toThrow(/group or others/);
    await chmod(file, 0o604);
    await expect(resolveMasterKey({ configured: undefined, dataDir: root, logger })).rejects.toThrow(/group or others/);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64', 'x'.repeat(44)],
    ['empty', ''],
  ])('refuses a key file of %s, without echoing its content', async (_name, content) => {
    await writeFile(join(root, 'master.key'), content, { mode: 0o600 });
    const error = await resolveMasterKey({ configured: undefined, dataDir: root, logger }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/exactly 32 bytes/);
    if (content !== '') expect((error as Error).message).not.toContain(content);
  });

  it('refuses a symlink in place of the key file', async () => {
    const elsewhere = join(root, 'elsewhere.key');
    await writeFile(elsewhere, randomBytes(32).toString('base64'), { mode: 0o600 });
    const dataDir = join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await symlink(elsewhere, join(dataDir, 'master.key'));
    await expect(resolveMasterKey({ configured: undefined, dataDir, logger })).rejects.toThrow();
  });
});
