// my-adapter.conformance.test.ts — run the checkpointkit conformance suite against your adapter.
//
// This file is the example from @checkpointkit/core's README, run by core's own CI in a
// throw-away project against the packed package, exactly as an npm user installs it.
// `createMyAdapter` stands in for your adapter: here it is core's in-memory storage primitives
// under another name; yours would talk to your database.
import {
  type Adapter,
  type Clock,
  composeAdapter,
  type MemoryStore,
  type MemoryTx,
  memoryBackends,
} from '@checkpointkit/core';
import { runConformance } from '@checkpointkit/core/conformance';

interface MyAdapter extends Adapter<MemoryTx> {
  readonly store: MemoryStore;
}

function createMyAdapter(options: { clock: Clock; store?: MemoryStore }): MyAdapter {
  const backends = memoryBackends(options);
  return { ...composeAdapter({ ...backends, name: 'my-adapter' }), store: backends.store };
}

runConformance<MemoryTx, MyAdapter>({
  name: 'my-adapter',
  // A fresh, isolated store per case (your own database, file, namespace or key prefix).
  create: async ({ clock }) => {
    const adapter = createMyAdapter({ clock });
    await adapter.setup();
    return adapter;
  },
  // A second adapter on the same store, as another process would open it.
  reopen: async (adapter, { clock }) => createMyAdapter({ clock, store: adapter.store }),
  // Drop what create() made, after the suite closed the adapter.
  destroy: async () => {},
  // Your users' own writes inside your transaction type, to prove atomicity.
  probe: {
    writeInTx: (tx, key, value) => tx.set(key, value),
    read: (adapter, key) =>
      adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
  },
  // Case id (or prefix ending in "/") → reason. Every skip is listed in the test output.
  skip: {},
});
