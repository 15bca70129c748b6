import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  // test-services (how the demo starts its own redis-server or emulator) is TypeScript source,
  // never built: bundle it.
  noExternal: ['@checkpointkit/test-services'],
});
