import { defineConfig } from 'vitest/config';
import { longestFirst } from '../../tools/test-services/src/sequencer.js';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Time limits catch a hang, never measure speed: a loaded CI machine runs these tests several
    // times slower than a quiet one.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // The machines have 2 cores, shared with the other packages' tests. The conformance runs (the
    // longest files, the four through fault proxies first) start first, so that none starts late.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: longestFirst([/lost-replies\.conformance/, /\.conformance\./]) },
  },
});
