import { defineConfig } from 'vitest/config';

/** Runs `commit-timing.measure.ts` only: a measurement, not part of the test suite. */
export default defineConfig({
  test: {
    root: new URL('../../../..', import.meta.url).pathname,
    include: ['packages/server/test/store/commit-timing.measure.ts'],
    testTimeout: 120_000,
    maxWorkers: 1,
  },
});
