// Races runOnce over the same keys as the other workers. Each effect is a row of the user's own
// table written through the Tx, in the same transaction as the checkpoint; the effects table has
// no unique key, so an effect applied twice would show as two rows.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { path, options } = args();
  const { worker, keys } = options;
  const adapter = await openAdapter(path);
  await readyThenGo();
  let ran = 0;
  const startedAt = Date.now();
  for (let i = 0; i < keys; i++) {
    const k = (i + worker * Math.floor(keys / 4)) % keys; // each worker starts elsewhere
    const result = await adapter.checkpoints.runOnce(
      { project: 'race', resourceId: `key-${k}`, processId: 'effect' },
      { ttlMs: 3_600_000 },
      async (tx) => {
        tx.prepare('INSERT INTO effects (k, worker) VALUES (?, ?)').run(`key-${k}`, worker);
      },
    );
    if (result.ran) ran++;
  }
  await send({ type: 'done', ran, startedAt, endedAt: Date.now() });
  await adapter.close();
});
