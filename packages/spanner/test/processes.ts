/** This package's worker processes (./workers/*.mjs, on one emulator database): see test-services. */
import { fileURLToPath } from 'node:url';
import { forkWorker, requireBuilt, type WorkerProcess } from '@checkpointkit/test-services';

export { race, type WorkerMessage } from '@checkpointkit/test-services';

/** Workers import the built package (dist/): turbo builds before it tests. */
export function requireBuild(): void {
  requireBuilt(
    fileURLToPath(new URL('../dist/index.js', import.meta.url)),
    '@checkpointkit/spanner',
  );
}

/** Starts ./workers/<script> on `databaseId` of the emulator at `hostPort`. */
export function startWorker(
  script: string,
  hostPort: string,
  databaseId: string,
  options: object = {},
): WorkerProcess {
  const file = fileURLToPath(new URL(`./workers/${script}`, import.meta.url));
  return forkWorker(file, [hostPort, databaseId, JSON.stringify(options)]);
}
