import { defineConfig } from 'tsup';

export default defineConfig({
  // The CLI, and the child process every node-state scenario runs in (its own peak RSS).
  entry: { main: 'src/main.ts', 'node-state-child': 'src/node-state/child.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  // test-services is TypeScript source, never built: bundle it into the CLI.
  noExternal: ['@checkpointkit/test-services'],
});
