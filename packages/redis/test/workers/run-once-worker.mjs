// One "process" of the multi-process race (test/processes.test.ts). It imports the BUILT packages
// — @checkpointkit/redis by self-reference, as an application would — sets up, says "ready" on
// stdout, waits for "go" on stdin, then runs runOnce over every key (see `order`). Each
// winning step's user writes: a counter and a log entry next to the checkpoint.
import { createInterface } from 'node:readline';
import { createRedisAdapter } from '@checkpointkit/redis';

const { connection, keyPrefix, keys, worker } = JSON.parse(process.argv[2]);
const adapter = createRedisAdapter(connection, { keyPrefix });
await adapter.setup();

const lines = createInterface({ input: process.stdin });
const go = new Promise((resolve) => lines.once('line', resolve));
process.stdout.write('ready\n');
await go;

// Every worker walks the keys in the same order and its work takes a moment, so that on most
// keys several processes pass runOnce's check together and race to commit.
const order = keys;
const slowWork = () => new Promise((resolve) => setTimeout(resolve, 3));
const ran = [];
let workCalls = 0;
for (const uniquifier of order) {
  const key = { project: 'race', resourceId: 'batch-1', processId: 'effects', uniquifier };
  const result = await adapter.checkpoints.runOnce(key, { ttlMs: 3_600_000 }, async (tx) => {
    workCalls += 1;
    await slowWork();
    tx.incrby(tx.key('effects', uniquifier), 1);
    tx.rpush(tx.key('log', uniquifier), String(worker));
  });
  if (result.ran) ran.push(uniquifier);
}
await adapter.close();
lines.close();
process.stdout.write(`${JSON.stringify({ worker, ran, workCalls })}\n`);
