// Loops runOnce over keys 0, 1, 2, … until killed, acknowledging each result. The user effect is a
// row written through the Tx, and the work then waits a moment inside the open transaction, so
// that a kill often lands between the effect and the commit.
import { args, openAdapter, readyThenGo, runWorker, send, sleep } from './harness.mjs';

runWorker(async () => {
  const { path } = args();
  const adapter = await openAdapter(path);
  await readyThenGo();
  for (let k = 0; ; k++) {
    const result = await adapter.checkpoints.runOnce(
      { project: 'crash', resourceId: `key-${k}`, processId: 'effect' },
      { ttlMs: 3_600_000 },
      async (tx) => {
        tx.prepare('INSERT INTO effects (k) VALUES (?)').run(`key-${k}`);
        await sleep(1);
      },
    );
    await send({ type: 'ack', k, ran: result.ran });
  }
});
