import { describe, expect, it } from 'vitest';

import { AllowList, globToRegExp } from '../../src/scan/allow-list.js';
import { detectSecrets } from '../../src/scan/detect-secrets.js';
import { looksRandom } from '../../src/scan/entropy-detector.js';
import { fingerprint, positionOf, redact } from '../../src/scan/finding.js';
import { ScanProgress } from '../../src/scan/scan-progress.js';
import { lookalikeText, managedKey, privateKeyPem, vendorSecrets } from '../helpers/planted-secrets.js';

describe('redaction and fingerprints', () => {
  it('shows at most the first and last 4 characters, and less of a short secret', () => {
    const key = managedKey();
    expect(redact(key)).toBe(`aak_…${key.slice(-4)}`);
    expect(redact('abcdefgh')).toBe('ab…gh');
    expect(redact('abc')).toBe('…');
    const shown = redact('line\nbreak\x1b[31mred');
    expect(shown.includes('\n') || shown.includes('\x1b')).toBe(false);
  });

  it('fingerprints a secret stably, as 24 hex characters that are not its SHA-256', async () => {
    const key = managedKey();
    expect(fingerprint(key)).toMatch(/^[0-9a-f]{24}$/);
    expect(fingerprint(key)).toBe(fingerprint(key));
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(key).digest('hex')).not.toContain(fingerprint(key));
  });
});

describe('the detectors together', () => {
  it('finds one of each planted vendor secret, by the rule named for it', async () => {
    const planted = vendorSecrets();
    const { matches } = await detectSecrets(planted.map((p) => p.line).join('\n'), 'settings.env');
    for (const [index, p] of planted.entries()) {
      expect(matches.find((m) => m.secret === p.secret && m.line === index + 1)?.rule, p.name).toBe(p.rule);
    }
    expect(matches).toHaveLength(planted.length);
  });

  it('finds a private key, and nothing in the look-alikes', async () => {
    expect((await detectSecrets(privateKeyPem(), 'id_rsa')).matches.map((m) => m.rule)).toEqual(['secretlint/privatekey']);
    const lookalikes = await detectSecrets(lookalikeText(), 'notes.md');
    expect(lookalikes.matches).toEqual([]);
    expect(lookalikes.lookalikes).toBe(3);
  });

  it('leaves no performance marks behind, however many texts it scans (memory stays bounded)', async () => {
    const { performance } = await import('node:perf_hooks');
    performance.clearMarks();
    for (let i = 0; i < 20; i++) await detectSecrets(`line ${i}\n`, `f${i}.txt`);
    expect(performance.getEntriesByType('mark')).toEqual([]);
  });

  it('places matches by line and column, and finds every one of many keys in one text', async () => {
    expect([0, 2, 3, 7, 8].map((index) => positionOf('ab\ncdef\ngh', index))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 5 },
      { line: 3, column: 1 },
    ]);
    const keys = Array.from({ length: 2000 }, () => managedKey());
    const { matches } = await detectSecrets(keys.map((key, i) => `k${i} = ${key}`).join('\n'), 'many.txt');
    expect(matches.filter((m) => m.kind === 'managed-key').map((m) => m.line)).toEqual(keys.map((_, i) => i + 1));
  });

  it('gets through long runs of name characters without a match (minified or generated files)', async () => {
    for (const text of ['secret'.repeat(50_000), 'a.'.repeat(200_000), `x_token${'-'.repeat(300_000)}`]) {
      expect((await detectSecrets(text, 'bundle.min.js')).matches).toEqual([]);
    }
  });

  it('calls random-looking only values with letters, digits and entropy', () => {
    expect(looksRandom('xxxxxxxxxxxxxxxxxxxxxxxx')).toBe(false);
    expect(looksRandom('your-client-secret-goes-here')).toBe(false);
    expect(looksRandom('k3J9xQ2mV7pL0zR8tY4wB6nC')).toBe(true);
    expect(looksRandom('bootstrap_token_sha256')).toBe(false);
    expect(looksRandom('company-idp-client-secret-0123456789')).toBe(false);
    expect(looksRandom(['sk', 'live', 'k3J9xQ2mV7pL0zR8tY4wB6nC'].join('_'))).toBe(true);
  });
});

describe('the allow-list', () => {
  it('takes fingerprints and .gitignore-like path globs, with comments', () => {
    const allow = AllowList.parse(['# fixtures', '0123456789abcdef01234567', 'test/fixtures/**', '*.pem   # any key file', '/root-only.txt', ''].join('\n'));
    expect(allow.allows({ fingerprint: '0123456789abcdef01234567', path: 'src/a.ts' })).toBe(true);
    expect(allow.allows({ fingerprint: 'ffffffffffffffffffffffff', path: 'test/fixtures/deep/x.env' })).toBe(true);
    expect(allow.allows({ fingerprint: 'ffffffffffffffffffffffff', path: 'deploy/keys/a.pem' })).toBe(true);
    expect(allow.allows({ fingerprint: 'ffffffffffffffffffffffff', path: 'root-only.txt' })).toBe(true);
    expect(allow.allows({ fingerprint: 'ffffffffffffffffffffffff', path: 'sub/root-only.txt' })).toBe(false);
    expect(allow.allows({ fingerprint: 'ffffffffffffffffffffffff', path: 'test/other.env' })).toBe(false);
  });

  it('reads globs the way .gitignore does', () => {
    expect(globToRegExp('a/*.env').test('a/x.env')).toBe(true);
    expect(globToRegExp('a/*.env').test('a/b/x.env')).toBe(false);
    expect(globToRegExp('a/**/x.env').test('a/x.env')).toBe(true);
    expect(globToRegExp('a/**/x.env').test('a/b/c/x.env')).toBe(true);
    expect(globToRegExp('docs/').test('docs/readme.md')).toBe(true);
    expect(globToRegExp('file?.txt').test('dir/file1.txt')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});

describe('progress', () => {
  it('prints counts at most every half second, one line each when not on a terminal', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = new ScanProgress((text) => lines.push(text), false, () => now);
    const counts = { files: 1, commits: 0, blobs: 0, findings: 0, skipped: 0 };
    progress.update('worktree', counts);
    now = 100;
    progress.update('worktree', { ...counts, files: 2 });
    now = 700;
    progress.update('history', { ...counts, commits: 3 });
    progress.done({ ...counts, commits: 3, findings: 1 });
    expect(lines).toEqual([
      'scan worktree: 1 files, 0 commits, 0 blobs, 0 findings, 0 skipped\n',
      'scan history: 1 files, 3 commits, 0 blobs, 0 findings, 0 skipped\n',
      'scan done: 1 files, 3 commits, 0 blobs, 1 findings, 0 skipped\n',
    ]);
  });

  it('redraws one line in place on a terminal, and ends it when done', () => {
    const out: string[] = [];
    const progress = new ScanProgress((text) => out.push(text), true, () => 0);
    const counts = { files: 2, commits: 0, blobs: 0, findings: 0, skipped: 0 };
    progress.update('worktree', counts);
    progress.done(counts);
    expect(out).toEqual(['\r\x1b[2Kscan worktree: 2 files, 0 commits, 0 blobs, 0 findings, 0 skipped', '\r\x1b[2Kscan done: 2 files, 0 commits, 0 blobs, 0 findings, 0 skipped', '\n']);
  });
});
