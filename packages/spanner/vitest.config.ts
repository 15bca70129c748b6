import { defineConfig } from 'vitest/config';
import { longestFirst } from '../../tools/test-services/src/sequencer.js';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Time limits catch a hang, never measure speed: a loaded CI machine runs these emulator
    // tests several times slower than a quiet one.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // The machines have 2 cores. Three files at once: most of a file's time is spent waiting on
    // the emulator, which runs one read-write transaction per database at a time; the two whole
    // conformance runs (the longest files) start first, so that none starts late.
    pool: 'forks',
    maxWorkers: 3,
    sequence: {
      sequencer: longestFirst([/fault-injection\.conformance/, /\.conformance\./, /crash\.test/]),
    },
  },
});
