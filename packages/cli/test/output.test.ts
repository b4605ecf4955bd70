import { describe, expect, it } from 'vitest';

import { cell, renderFields, renderTable, sanitize, sanitizeLines } from '../src/output.js';

describe('renderTable', () => {
  it('aligns columns to the widest cell, two spaces apart, with no trailing blanks', () => {
    const text = renderTable(
      [
        { header: 'ID', value: (row: { id: string; name: string; scopes: string[] }) => row.id },
        { header: 'NAME', value: (row) => row.name },
        { header: 'SCOPES', value: (row) => row.scopes },
      ],
      [
        { id: 'agt_1', name: 'invoice-bot', scopes: ['a', 'b'] },
        { id: 'agt_22', name: 'x', scopes: [] },
      ],
    );
    expect(text).toBe(['ID      NAME         SCOPES', 'agt_1   invoice-bot  a,b', 'agt_22  x', ''].join('\n'));
  });

  it('prints only the header for no rows', () => {
    expect(renderTable([{ header: 'KID', value: (row: { kid: string }) => row.kid }], [])).toBe('KID\n');
  });

  it('counts accented characters as one column', () => {
    const text = renderTable(
      [
        { header: 'N', value: (row: { n: string; o: string }) => row.n },
        { header: 'O', value: (row) => row.o },
      ],
      [
        { n: 'café', o: 'x' },
        { n: 'tea', o: 'y' },
      ],
    );
    expect(text.split('\n')[1]).toBe('café  x');
    expect(text.split('\n')[2]).toBe('tea   y');
  });
});

describe('sanitize', () => {
  it('escapes terminal control sequences coming from the server', () => {
    expect(sanitize('evil\u001b[2J\r\nname\tx\u009b\u2028')).toBe('evil\\x1b[2J\\r\\nname\\tx\\x9b\\u2028');
    expect(cell({ a: '\u0007' })).toBe('{"a":"\\u0007"}');
  });

  it('keeps the line breaks of a multi-line message, and escapes everything else', () => {
    expect(sanitizeLines('first.\r\nsecond\u001b]0;title\u0007\nthird\r')).toBe('first.\nsecond\\x1b]0;title\\x07\nthird\\r');
  });

  it('shows null as empty and keeps plain text unchanged', () => {
    expect(cell(null)).toBe('');
    expect(cell('team-payments')).toBe('team-payments');
  });
});

describe('renderFields', () => {
  it('aligns values after the keys', () => {
    expect(renderFields([['id', 'agt_1'], ['client_id', 'agt_1'], ['jwks_uri', null]])).toBe('id:         agt_1\nclient_id:  agt_1\njwks_uri:\n');
  });
});
