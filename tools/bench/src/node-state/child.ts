/**
 * A node-state child process: receives one NodeTask over IPC, prepares that one side, times it,
 * and answers with the timings, the per-operation counters and its own peak RSS — then exits.
 * Run by suites/node-state.ts (fork of dist/node-state-child.js).
 */
import { createRedisAdapter } from '@checkpointkit/redis';
import { HOST } from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { countRedisRequests } from '../counting/redis-requests.js';
import { requestsPerOp } from '../counting/requests-per-op.js';
import { timeOperations } from '../measure/timed-run.js';
import { openSqliteAdapter } from '../services/sqlite-files.js';
import { prepareOurSide } from './our-side.js';
import { prepareRawRedis, prepareRawSqlite } from './raw-sides.js';
import { MIB, type NodeTask, type NodeTaskResult, type PreparedNodeSide } from './task.js';

/** Round trips are counted on a few sequential calls before timing; 64 MiB calls are slow. */
const COUNTED_OPERATIONS = 2;

async function prepare(task: NodeTask): Promise<PreparedNodeSide> {
  if (task.backend === 'sqlite') {
    if (task.side === 'baseline') return prepareRawSqlite(task.sqlitePath, task.scenario);
    const bench = await openSqliteAdapter(task.sqlitePath);
    return prepareOurSide(bench.adapter, task.scenario, () => bench.close());
  }
  const client = new Redis({ host: HOST, port: task.redisPort });
  const requests = countRedisRequests(client);
  const roundTrips = (): number => requests.read().roundTrips;
  const closeClient = async (): Promise<void> => {
    client.disconnect();
  };
  if (task.side === 'baseline') {
    const side = await prepareRawRedis(client, task.keyPrefix, task.scenario, roundTrips);
    return {
      ...side,
      close: async () => {
        await side.close();
        await closeClient();
      },
    };
  }
  const adapter = createRedisAdapter({ client }, { keyPrefix: task.keyPrefix });
  await adapter.setup();
  const side = await prepareOurSide(adapter, task.scenario, async () => {
    await adapter.close();
    await closeClient();
  });
  return { ...side, roundTrips };
}

async function runTask(task: NodeTask): Promise<NodeTaskResult> {
  const side = await prepare(task);
  try {
    const requests = side.roundTrips
      ? await requestsPerOp(side.op, side.roundTrips, COUNTED_OPERATIONS)
      : null;
    const before = side.counters();
    const run = await timeOperations(side.op, {
      concurrency: 1,
      budget: { kind: 'time', ms: task.runMs, minOperations: task.minOperations },
      warmupOperations: 0,
    });
    const after = side.counters();
    const per = (field: keyof typeof before): number =>
      (after[field] - before[field]) / run.operations;
    return {
      run,
      requestsPerOp: requests,
      perOp: {
        rootReads: per('rootReads'),
        shardReads: per('shardReads'),
        shardsWritten: per('shardsWritten'),
        bytesWritten: per('bytesWritten'),
      },
      stateBytes: task.scenario.sizeMiB * MIB,
      shardCount: side.shardCount,
      // maxRSS is in KiB on Linux.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await side.close();
  }
}

process.once('message', (task: NodeTask) => {
  runTask(task).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.(
        {
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        },
        () => process.exit(1),
      ),
  );
});
