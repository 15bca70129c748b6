import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The machines have 2 cores, shared with another engineer's test runs.
    pool: 'forks',
    maxWorkers: 2,
  },
});
