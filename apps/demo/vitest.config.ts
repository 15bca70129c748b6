import { defineConfig } from 'vitest/config';
import { longestFirst } from '../../tools/test-services/src/sequencer.js';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Time limits catch a hang, never measure speed: a loaded CI machine runs the demo several
    // times slower than a quiet one.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // The crash-and-resume runs on the emulators (the longest files) start first.
    pool: 'forks',
    maxWorkers: 2,
    sequence: {
      sequencer: longestFirst([/crash-resume\.spanner/, /crash-resume\.datastore/, /first-run/]),
    },
  },
});
