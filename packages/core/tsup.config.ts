import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// The two builds below run in parallel and both write into dist/: clear it once, here.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared = {
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: false,
  treeshake: false,
  // vitest is a peer dependency needed by ./conformance only: never bundle it.
  external: ['vitest', /^vitest\//],
} satisfies Options;

export default defineConfig([
  // ESM (+ .d.ts) for both entry points: dist/index.js and dist/conformance.js. Code they share
  // lives in chunks, so both use the same classes (instanceof CheckpointKitError holds across
  // "." and "./conformance").
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      conformance: 'src/conformance/index.ts',
      // The child side of the twin process protocol: no vitest, for a target's forked script.
      'conformance/twin': 'src/conformance/twin.ts',
    },
    format: ['esm'],
    splitting: true,
  },
  // CJS (+ .d.cts) for "." only. "./conformance" is ESM-only: it imports vitest, and vitest
  // refuses to be require()d ("Vitest cannot be imported in a CommonJS module using require()").
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
  },
]);
