// NodeStore.run until killed: each run bumps `count` and rewrites one cell of a many-shard state;
// Operator.commit writes the new count to the user's own table in the winning transaction and
// pauses inside it.
import { openAdapter, readyThenGo, runWorker, send, sleep } from './harness.mjs';

runWorker(async () => {
  const adapter = openAdapter();
  const store = adapter.nodes({ shardBytes: 1024 }).for('crash-state');
  await readyThenGo(adapter);
  for (;;) {
    let count = 0;
    const { generation } = await store.run({
      modify(state) {
        state.count++;
        state.cells[state.count % state.cells.length] = `cell ${state.count}`;
        count = state.count;
      },
      async commit(tx) {
        tx.insert('node_effects', { Count: count });
        await sleep(1);
      },
    });
    await send({ type: 'ack', generation, count });
  }
});
