import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The machines have 2 cores, shared with other packages' tests: at most two test files at once.
    pool: 'forks',
    maxWorkers: 2,
  },
});
