// Appends checkpoints to one operation until killed, resuming from its latest label, and with
// `compactEvery` compacts after every that many steps. Payloads are up to ~192 KiB and derived
// from the step number, so the test can tell a whole checkpoint from a torn one.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';
import { payload } from './payload.mjs';

runWorker(async () => {
  const { options } = args();
  const adapter = openAdapter();
  const op = adapter.operations.open('crash-import');
  await readyThenGo(adapter);
  const latest = await op.latest();
  let step = latest ? Number(/(\d+)$/.exec(latest.label)[1]) + 1 : 0;
  for (; ; step++) {
    const id = await op.checkpoint(`step-${step}`, payload(step));
    await send({ type: 'ack', what: 'checkpoint', step, id });
    if (options.compactEvery && step % options.compactEvery === 0) {
      const compacted = await op.compact(`compacted-${step}`);
      await send({ type: 'ack', what: 'compact', step, id: compacted });
    }
  }
});
