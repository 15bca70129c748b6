// Checkpoints on one operation, racing another process; reports the ids in the order it got them.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { path, options } = args();
  const adapter = await openAdapter(path);
  const op = adapter.operations.open('shared-import');
  await readyThenGo();
  const ids = [];
  for (let i = 0; i < options.steps; i++) {
    ids.push(await op.checkpoint(`w${options.worker}-${i}`, new TextEncoder().encode(`${i}`)));
  }
  await send({ type: 'done', ids });
  await adapter.close();
});
