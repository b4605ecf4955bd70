import { describe, expect, it } from 'vitest';

import { detectManagedKeys, MANAGED_KEY_RULE } from '../../src/scan/managed-key-detector.js';
import { managedKey } from '../helpers/planted-secrets.js';

describe('the managed-key detector (checksum verified offline)', () => {
  it('finds a whole key with its line and column', () => {
    const key = managedKey();
    const { matches, lookalikes } = detectManagedKeys(`first line\n  AGENTAUTH_KEY="${key}"\n`);
    expect(lookalikes).toBe(0);
    expect(matches).toEqual([{ rule: MANAGED_KEY_RULE, kind: 'managed-key', description: expect.any(String), secret: key, line: 2, column: 18 }]);
  });

  it('reports neither a key whose checksum fails nor a truncated one, and counts both as look-alikes', () => {
    const key = managedKey();
    const flipped = key.slice(0, -1) + (key.at(-1) === 'A' ? 'B' : 'A');
    const bodyTypo = key.slice(0, 10) + (key[10] === 'z' ? 'y' : 'z') + key.slice(11);
    for (const text of [flipped, bodyTypo, key.slice(0, -1), key.slice(0, 30), `${key}0`]) {
      const scanned = detectManagedKeys(`key=${text}\n`);
      expect(scanned.matches, text.length.toString()).toEqual([]);
      expect(scanned.lookalikes).toBe(1);
    }
  });

  it('does not take a key out of a longer word, and finds several keys in one text', () => {
    const [a, b] = [managedKey(), managedKey()];
    expect(detectManagedKeys(`x${a}`).matches).toEqual([]);
    expect(detectManagedKeys(`${a}_suffix`).matches).toEqual([]);
    expect(detectManagedKeys(`${a} and\n${b}`).matches.map((m) => [m.secret === a || m.secret === b, m.line])).toEqual([
      [true, 1],
      [true, 2],
    ]);
  });

  it('ignores text with no aak_ at all', () => {
    expect(detectManagedKeys('nothing here: ak_123 AAK_abc')).toEqual({ matches: [], lookalikes: 0 });
  });
});
