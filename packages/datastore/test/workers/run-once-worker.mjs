// One "process" of the multi-process race (test/processes.test.ts). It imports the BUILT package
// — @checkpointkit/datastore by self-reference, as an application would — says "ready" on
// stdout, waits for "go" on stdin, then runs runOnce over every key. Each winning step's user
// writes, in runOnce's transaction: an `Effect` counter and an `EffectLog` entry for this worker.
import { createInterface } from 'node:readline';
import { createDatastoreAdapter } from '@checkpointkit/datastore';
import { Datastore } from '@google-cloud/datastore';

const { host, projectId, namespace, keys, worker } = JSON.parse(process.argv[2]);
const datastore = new Datastore({ projectId, apiEndpoint: host, namespace });
const adapter = createDatastoreAdapter(datastore, { retry: { maxAttempts: 100 } });
await adapter.setup();

const lines = createInterface({ input: process.stdin });
const go = new Promise((resolve) => lines.once('line', resolve));
process.stdout.write('ready\n');
await go;

// Every worker walks the keys in the same order and its work takes a moment, so that on most
// keys several processes pass runOnce's check together and race to commit.
const slowWork = () => new Promise((resolve) => setTimeout(resolve, 3));
const ran = [];
let workCalls = 0;
for (const uniquifier of keys) {
  const key = { project: 'race', resourceId: 'batch-1', processId: 'effects', uniquifier };
  const result = await adapter.checkpoints.runOnce(key, { ttlMs: 3_600_000 }, async (tx) => {
    workCalls += 1;
    await slowWork();
    const effectKey = datastore.key({ namespace, path: ['Effect', uniquifier] });
    const [effect] = await tx.get(effectKey);
    tx.save({ key: effectKey, data: { count: (effect?.count ?? 0) + 1 } });
    tx.save({
      key: datastore.key({ namespace, path: ['Effect', uniquifier, 'EffectLog', `w${worker}`] }),
      data: { worker },
    });
  });
  if (result.ran) ran.push(uniquifier);
}
await adapter.close();
lines.close();
process.stdout.write(`${JSON.stringify({ worker, ran, workCalls })}\n`);
process.exit(0);
