import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { ContractStores } from './contract-stores.js';
import { prefix } from '../fixtures.js';

/** The `SettingsStore` contract. */
export function settingsStoreContract(stores: () => ContractStores): void {
  describe('SettingsStore', () => {
    let store: Store;
    let other: Store;
    beforeEach(() => {
      ({ store, other } = stores());
    });

    describe('settings', () => {
      it('inserts a setting only if absent: of two racing stores exactly one wins', async () => {
        const name = `${prefix()}-setting`;
        expect(await store.getSetting(name)).toBeUndefined();
        const won = await Promise.all([store.insertSettingIfAbsent(name, 'one'), other.insertSettingIfAbsent(name, 'two')]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await other.getSetting(name)).toBe(won[0] ? 'one' : 'two');
      });

      it('puts a setting whether or not it had a value, and every store reads the new one', async () => {
        const name = `${prefix()}-put`;
        await store.putSetting(name, 'first');
        expect(await other.getSetting(name)).toBe('first');
        await other.putSetting(name, 'second');
        expect(await store.getSetting(name)).toBe('second');
        expect(await store.insertSettingIfAbsent(name, 'third')).toBe(false);
      });
    });
  });
}
