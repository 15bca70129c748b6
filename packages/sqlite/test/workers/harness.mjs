// What every worker process shares. Workers import the BUILT packages — `@checkpointkit/sqlite`
// through the package's self-reference, `@checkpointkit/core` from node_modules — exactly as an
// application would, and talk to the test over the IPC channel of child_process.fork:
//   worker → test  { type: 'ready' } once the adapter is open, then scenario messages ('ack', …)
//   test → worker  { type: 'go' } to start (so that racing workers start together)
import { createSqliteAdapter } from '@checkpointkit/sqlite';

/** argv: <database path> [scenario arguments as JSON]. */
export function args() {
  return { path: process.argv[2], options: JSON.parse(process.argv[3] ?? '{}') };
}

export async function openAdapter(path) {
  return createSqliteAdapter({ path });
}

export function send(message) {
  return new Promise((resolve, reject) =>
    process.send(message, (error) => (error ? reject(error) : resolve())),
  );
}

/** Tells the test we are ready, then waits for its go. */
export async function readyThenGo() {
  const go = new Promise((resolve) => {
    process.on('message', (m) => {
      if (m?.type === 'go') resolve();
    });
  });
  await send({ type: 'ready' });
  await go;
}

/** Runs `main`; reports a failure to the test and exits non-zero. */
export function runWorker(main) {
  main().then(
    () => process.disconnect?.(),
    async (error) => {
      await send({ type: 'error', message: String(error?.stack ?? error) }).catch(() => {});
      process.exit(1);
    },
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
