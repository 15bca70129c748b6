// Loops runOnce over keys 0, 1, 2, … until killed, acknowledging each result. The user effect is a
// row written through the Transaction (keyed by a fresh UUID, so a repeat would show), and the
// work then waits a moment inside the open transaction, so that a kill often lands between the
// effect and the commit.
import { randomUUID } from 'node:crypto';
import { openAdapter, readyThenGo, runWorker, send, sleep } from './harness.mjs';

runWorker(async () => {
  const adapter = openAdapter();
  await readyThenGo(adapter);
  for (let k = 0; ; k++) {
    const result = await adapter.checkpoints.runOnce(
      { project: 'crash', resourceId: `key-${k}`, processId: 'effect' },
      { ttlMs: 3_600_000 },
      async (tx) => {
        tx.insert('effects', { Id: randomUUID(), K: `key-${k}`, Worker: 0 });
        await sleep(1);
      },
    );
    await send({ type: 'ack', k, ran: result.ran });
  }
});
