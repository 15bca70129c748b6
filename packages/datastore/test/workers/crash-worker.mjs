// One round of the crash test (test/crash.test.ts): loops over three primitives until it is
// killed with SIGKILL, printing one JSON line per call that RETURNED (an acknowledgement):
//   {"op":"checkpoint","id","label"}   an operation checkpoint (every third one 1.5 MB: chunked)
//   {"op":"run","generation","count"}  a node run that added 1 to `count` (state spans shards)
//   {"op":"ran","key"}                 a runOnce that ran its work (an Effect entity, in its tx)
// The next round's worker continues from whatever survived.
import { createInterface } from 'node:readline';
import { createDatastoreAdapter } from '@checkpointkit/datastore';
import { Datastore } from '@google-cloud/datastore';
import { nodeState, payloadOf } from './crash-payload.mjs';

const { host, projectId, namespace, round } = JSON.parse(process.argv[2]);
const datastore = new Datastore({ projectId, apiEndpoint: host, namespace });
const adapter = createDatastoreAdapter(datastore);
await adapter.setup();
const op = adapter.operations.open('crash-import');
const node = adapter.nodes({ shardBytes: 4096 }).new('crash-node');
const ack = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
// Warm up (connection, auth, caches) before "ready", so that the kill lands in the loop.
await op.list();
await node.get();

const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => {
  process.stdout.write('ready\n');
  lines.once('line', resolve);
});

for (let i = 0; ; i++) {
  const label = `r${round}-${i}`;
  const id = await op.checkpoint(label, payloadOf(label));
  ack({ op: 'checkpoint', id, label });

  const { generation } = await node.run((state) => nodeState(state.count + 1));
  ack({ op: 'run', generation });

  const key = `k${i}`;
  const result = await adapter.checkpoints.runOnce(
    { project: 'crash', resourceId: 'batch', processId: 'effects', uniquifier: key },
    { ttlMs: 3_600_000 },
    async (tx) => {
      const effectKey = datastore.key({ namespace, path: ['Effect', key] });
      const [effect] = await tx.get(effectKey);
      tx.save({ key: effectKey, data: { count: (effect?.count ?? 0) + 1 } });
    },
  );
  if (result.ran) ack({ op: 'ran', key });
}
