// What every worker process shares. Workers import the BUILT package — `@checkpointkit/spanner`
// through the package's self-reference, `@checkpointkit/core` from node_modules — exactly as an
// application would, and talk to the test over the IPC channel of child_process.fork:
//   worker → test  { type: 'ready' } once the adapter is open, then scenario messages
//   test → worker  { type: 'go' } to start (so that racing workers start together)
// argv: <emulator host:port> <database id> [scenario options as JSON].

import { createSpannerAdapter } from '@checkpointkit/spanner';
import { Spanner } from '@google-cloud/spanner';

// @google-cloud/spanner installs SIGTERM/SIGINT handlers that keep a process with open handles
// alive: a worker must still stop when the test tells it to.
process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));

export const PROJECT = 'checkpointkit-test';
export const INSTANCE = 'checkpointkit';

export function args() {
  return {
    hostPort: process.argv[2],
    databaseId: process.argv[3],
    options: JSON.parse(process.argv[4] ?? '{}'),
  };
}

/** The worker's own client (its own sessions, as a separate process has) and an adapter. */
export function openAdapter(options = {}) {
  const { hostPort, databaseId } = args();
  Object.assign(process.env, {
    SPANNER_EMULATOR_HOST: hostPort,
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS: 'false',
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS_FOR_RW: 'false',
    GOOGLE_CLOUD_SPANNER_MULTIPLEXED_SESSIONS_PARTITIONED_OPS: 'false',
    METADATA_SERVER_DETECTION: 'none',
  });
  const database = new Spanner({ projectId: PROJECT }).instance(INSTANCE).database(databaseId);
  return createSpannerAdapter(database, {
    retry: { maxAttempts: 200, baseDelayMs: 4, maxDelayMs: 200 },
    ...options,
  });
}

export function send(message) {
  return new Promise((resolve, reject) =>
    process.send(message, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * Tells the test we are ready — after one read, so that the client's channel and sessions exist
 * and the test's kill delay measures work, not start-up — then waits for its go.
 */
export async function readyThenGo(adapter) {
  await adapter?.operations.list();
  const go = new Promise((resolve) => {
    process.on('message', (m) => {
      if (m?.type === 'go') resolve();
    });
  });
  await send({ type: 'ready' });
  await go;
}

/** Runs `main`; reports a failure to the test and exits (the client's handles would keep us up). */
export function runWorker(main) {
  main().then(
    () => process.exit(0),
    async (error) => {
      await send({ type: 'error', message: String(error?.stack ?? error) }).catch(() => {});
      process.exit(1);
    },
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
