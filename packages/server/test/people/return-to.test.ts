import { describe, expect, it } from 'vitest';
import { DEFAULT_RETURN_TO, safeReturnTo } from '../../src/people/return-to.js';

describe('return_to: same-origin relative paths only (no open redirect)', () => {
  it('keeps a local path with its query and fragment', () => {
    expect(safeReturnTo('/account')).toBe('/account');
    expect(safeReturnTo('/admin/v1/agents?limit=5#top')).toBe('/admin/v1/agents?limit=5#top');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['another origin', 'https://evil.example/'],
    ['scheme-relative', '//evil.example/path'],
    ['backslash host', '/\\evil.example'],
    ['backslash later', '/ok\\..\\evil'],
    ['encoded-free tab trick', '/\t/evil.example'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['no leading slash', 'account'],
    ['newline', '/account\r\nLocation: https://evil.example'],
    ['non-ASCII', '/caf\u00e9'],
    ['too long', `/${'a'.repeat(2048)}`],
  ])('refuses %s', (_what, value) => {
    expect(safeReturnTo(value)).toBe(DEFAULT_RETURN_TO);
  });

  it('normalises dot segments, which cannot climb out of the origin', () => {
    expect(safeReturnTo('/a/../../b')).toBe('/b');
  });
});
