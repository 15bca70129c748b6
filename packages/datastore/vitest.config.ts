import { defineConfig } from 'vitest/config';
import { longestFirst } from '../../tools/test-services/src/sequencer.js';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Clients talk to the emulator only: never probe for a GCE metadata server.
    env: { METADATA_SERVER_DETECTION: 'none' },
    // Time limits catch a hang, never measure speed: a loaded CI machine runs these emulator
    // tests several times slower than a quiet one.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // The machines have 2 cores, shared with the other packages' tests. The whole conformance
    // run (the longest file) starts first, so that it does not start late.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: longestFirst([/\.conformance\./, /crash\.test/]) },
  },
});
