/** This package's worker processes (./workers/*.mjs, on one SQLite file): see test-services. */
import { fileURLToPath } from 'node:url';
import { forkWorker, requireBuilt, type WorkerProcess } from '@checkpointkit/test-services';

export { race, type WorkerMessage } from '@checkpointkit/test-services';

/** Workers import the built package (dist/): turbo builds before it tests. */
export function requireBuild(): void {
  requireBuilt(
    fileURLToPath(new URL('../dist/index.js', import.meta.url)),
    '@checkpointkit/sqlite',
  );
}

/** Starts ./workers/<script> on the SQLite file at `path`. */
export function startWorker(script: string, path: string, options: object = {}): WorkerProcess {
  const file = fileURLToPath(new URL(`./workers/${script}`, import.meta.url));
  return forkWorker(file, [path, JSON.stringify(options)]);
}
