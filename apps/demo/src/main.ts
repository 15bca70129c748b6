/**
 * `pnpm demo` — an exactly-once ingestion pipeline on checkpointkit. See ./pipeline.ts for what
 * each primitive does here, and README.md for the flags.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CheckpointKitError } from '@checkpointkit/core';
import type { DemoBackend } from './backends/backend.js';
import {
  BACKENDS,
  type BackendName,
  BackendUnavailableError,
  openBackend,
} from './backends/open.js';
import { createCrashInjector } from './crash.js';
import { ResumeMismatchError, runPipeline, STEPS, type StepName, storedRun } from './pipeline.js';
import { createProgress } from './progress.js';
import { generateStream } from './stream.js';
import { formatSummary, summarize } from './summary.js';

const USAGE = `usage: pnpm demo [options]
  --backend sqlite|redis|spanner|datastore   where the state lives (default sqlite, in ./.demo-data)
  --events N          orders in the stream (default 5000)
  --partitions N      partitions of the stream (default 8)
  --crash-after N     SIGKILL this process after N durable steps (then run again to resume)
  --crash-step NAME   count only the steps called NAME (listed below)
  --reset             start over: delete the demo's state first
  --json              print the final summary as one JSON object on stdout
  --data-dir DIR      the demo's local files: SQLite's, and the services it starts (default ./.demo-data)
  --redis-url URL     a Redis for --backend redis (default: the demo starts its own redis-server)
  --spanner-database projects/P/instances/I/databases/D
                      a real database for --backend spanner (default: SPANNER_EMULATOR_HOST,
                      else the demo starts an emulator)
  --datastore-project P
                      a real project for --backend datastore (default: DATASTORE_EMULATOR_HOST,
                      else the demo starts an emulator)
  --seed N            the stream's seed (default 1)
  --lookahead N       window lookahead (default 20)
  --lease-ms N        the worker's lease; a restarted worker waits for a dead one's (default 3000)

durable steps, in the order a window takes them:
  ${STEPS.join(', ')}`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'sqlite' },
      events: { type: 'string' },
      partitions: { type: 'string' },
      'crash-after': { type: 'string' },
      'crash-step': { type: 'string' },
      reset: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'redis-url': { type: 'string' },
      'spanner-database': { type: 'string' },
      'datastore-project': { type: 'string' },
      seed: { type: 'string' },
      lookahead: { type: 'string' },
      'lease-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!(BACKENDS as readonly string[]).includes(values.backend as string)) {
    throw new UsageError(
      `--backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(values.backend)}`,
    );
  }
  const events = positiveInteger('events', values.events, 5000);
  const partitions = positiveInteger('partitions', values.partitions, 8);
  const seed = positiveInteger('seed', values.seed, 1);
  const lookahead =
    values.lookahead === undefined ? 20 : positiveInteger('lookahead', values.lookahead, 20);
  const crashAfter =
    values['crash-after'] === undefined
      ? null
      : positiveInteger('crash-after', values['crash-after'], 0);
  const crashStep = (values['crash-step'] ?? null) as StepName | null;
  if (crashStep !== null && !(STEPS as readonly string[]).includes(crashStep)) {
    throw new UsageError(
      `--crash-step must be one of ${STEPS.join(', ')}, got ${JSON.stringify(crashStep)}`,
    );
  }
  if (crashStep !== null && crashAfter === null) {
    throw new UsageError('--crash-step needs --crash-after N');
  }

  const progress = createProgress();
  const stream = generateStream({ events, partitions, seed });
  // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  const dataDir = resolve(
    process.env.INIT_CWD ?? process.cwd(),
    values['data-dir'] ?? '.demo-data',
  );
  mkdirSync(dataDir, { recursive: true });
  const open = (reset: boolean): Promise<DemoBackend> =>
    openBackend(values.backend as BackendName, {
      dataDir,
      redisUrl: values['redis-url'],
      spannerDatabase: values['spanner-database'],
      datastoreProject: values['datastore-project'],
      reset,
      log: (line) => progress.log(line),
    });
  let backend = await open(values.reset === true);
  if ((await storedRun(backend)) === 'complete') {
    if (crashAfter !== null) {
      // A crash needs work left to do: the documented crash-and-resume starts a new run.
      progress.log('the stored run is complete; --crash-after starts a new one (as --reset would)');
      await backend.close();
      backend = await open(true);
    } else {
      progress.log('the stored run is complete: nothing left to do (add --reset to run it again)');
    }
  }
  try {
    const crash = createCrashInjector(crashAfter, crashStep);
    const state = await runPipeline(
      backend,
      stream,
      { lookahead, leaseMs: positiveInteger('lease-ms', values['lease-ms'], 3000) },
      {
        step: crash.step,
        progress: (phase, done, total) => progress.update(phase, done, total),
        log: (line) => progress.log(line),
      },
    );
    progress.finish();
    const summary = await summarize(backend, stream, state);
    console.log(values.json ? JSON.stringify(summary) : formatSummary(summary));
    return summary.ok ? 0 : 1;
  } finally {
    await backend.close();
  }
}

function exitCodeOf(error: unknown): number {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (error instanceof BackendUnavailableError || error instanceof ResumeMismatchError) {
    console.error(`checkpointkit demo: ${error.message}`);
    return 2;
  }
  if (error instanceof CheckpointKitError) {
    // The library's typed errors say what is wrong on their own (an evicting Redis, say).
    console.error(`checkpointkit demo: ${error.name}: ${error.message}`);
    return 1;
  }
  console.error(error);
  return 1;
}

// process.exit, not exitCode: cloud clients keep handles (gRPC channels, signal handlers) that
// would hold the process open. Output to a pipe or file is written synchronously by then.
main().then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(exitCodeOf(error)),
);
