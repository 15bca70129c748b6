// The conformance suite against my-adapter. `primitives` lists what createMyAdapter implements:
// add each primitive as you write its backend. The run ends with a summary of what it did not
// test ("not tested: operations not implemented by this adapter (… cases)").
import { runConformance } from '@checkpointkit/core/conformance';
import { createMyAdapter, type MyAdapter, type MyTx } from './my-adapter.js';

runConformance<MyTx, MyAdapter>({
  name: 'my-adapter',
  primitives: ['checkpoints'],
  // A fresh, isolated store per case (your own database, file, namespace or key prefix).
  create: async ({ clock }) => {
    const adapter = createMyAdapter({ clock });
    await adapter.setup();
    return adapter;
  },
  // A second adapter on the same store, as another process would open it.
  reopen: async (adapter, { clock }) => createMyAdapter({ clock, store: adapter.store }),
  // Your users' own writes inside your transaction type, to prove atomicity.
  probe: {
    writeInTx: (tx, key, value) => tx.set(key, value),
    read: (adapter, key) => adapter.transaction(async (tx) => tx.get(key)),
  },
});
