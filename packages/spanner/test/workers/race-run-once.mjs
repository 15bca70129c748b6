// Races runOnce over the same keys as the other workers. Each effect is a row of the user's own
// table written through the Transaction, in the same commit as the checkpoint; the effects table
// is keyed by a fresh UUID per write, so an effect applied twice would show as two rows.
import { randomUUID } from 'node:crypto';
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { worker, keys } = args().options;
  const adapter = openAdapter();
  await readyThenGo(adapter);
  let ran = 0;
  let workCalls = 0;
  const startedAt = Date.now();
  for (let i = 0; i < keys; i++) {
    const k = (i + worker * Math.floor(keys / 2)) % keys; // each worker starts elsewhere
    const result = await adapter.checkpoints.runOnce(
      { project: 'race', resourceId: `key-${k}`, processId: 'effect' },
      { ttlMs: 3_600_000 },
      async (tx) => {
        workCalls++;
        tx.insert('effects', { Id: randomUUID(), K: `key-${k}`, Worker: worker });
      },
    );
    if (result.ran) ran++;
  }
  await send({ type: 'done', ran, workCalls, startedAt, endedAt: Date.now() });
});
