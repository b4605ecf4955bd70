import type { Store } from '../../../src/store/store.js';

/**
 * What every port's contract suite runs against: two stores over the SAME database (the second
 * races the first, as another node would). The database is shared by every test of a run, so
 * each test works under its own id prefix (`fixtures.ts` `prefix()`).
 */
export interface ContractStores {
  store: Store;
  other: Store;
}
