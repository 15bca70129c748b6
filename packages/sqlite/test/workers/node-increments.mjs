// NodeStore.run increments on one id, racing another process; reports every generation it got.
import { args, openAdapter, readyThenGo, runWorker, send } from './harness.mjs';

runWorker(async () => {
  const { path, options } = args();
  const adapter = await openAdapter(path);
  const store = adapter.nodes({ maxAttempts: 1000 }).for('counter');
  await readyThenGo();
  const generations = [];
  for (let i = 0; i < options.runs; i++) {
    const { generation } = await store.run((state) => {
      state.count++;
    });
    generations.push(generation);
  }
  await send({ type: 'done', generations, conflicts: store.stats.conflicts });
  await adapter.close();
});
