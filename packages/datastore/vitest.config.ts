import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Clients talk to the emulator only: never probe for a GCE metadata server.
    env: { METADATA_SERVER_DETECTION: 'none' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The machines have 2 cores, shared with another engineer's test runs.
    pool: 'forks',
    maxWorkers: 2,
  },
});
