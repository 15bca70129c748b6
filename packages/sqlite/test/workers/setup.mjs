// Calls setup() on a fresh file at the same moment as other workers, then writes one checkpoint.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { path, options } = args();
  const adapter = await openAdapter(path);
  await readyThenGo();
  await adapter.setup();
  await adapter.setup();
  await adapter.checkpoints.insert(
    { project: 'setup', resourceId: `worker-${options.worker}`, processId: 'ran' },
    { ttlMs: 60_000 },
  );
  await send({ type: 'done' });
  await adapter.close();
});
