import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // template/ imports the package by its name, as an author's copy does: here, from the sources.
  resolve: {
    alias: [
      { find: /^@checkpointkit\/core$/, replacement: src('index.ts') },
      { find: /^@checkpointkit\/core\/conformance$/, replacement: src('conformance/index.ts') },
    ],
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts', 'template/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machines have 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
