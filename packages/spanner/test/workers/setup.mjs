// Calls setup() on a fresh database at the same moment as other workers (twice), then writes
// one checkpoint.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { worker } = args().options;
  const adapter = openAdapter();
  await readyThenGo(); // no warm-up read: the schema does not exist yet
  await adapter.setup();
  await adapter.setup();
  await adapter.checkpoints.insert(
    { project: 'setup', resourceId: `worker-${worker}`, processId: 'ran' },
    { ttlMs: 60_000 },
  );
  await send({ type: 'done' });
});
