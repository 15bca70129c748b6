// The reference adapter passes the whole conformance suite, nothing skipped.

import { runConformance } from '../src/conformance/index.js';
import { createMemoryAdapter, type MemoryAdapter, type MemoryTx } from '../src/index.js';

runConformance<MemoryTx, MemoryAdapter>({
  name: 'memory',
  create: async ({ clock }) => createMemoryAdapter({ clock }),
  reopen: async (adapter, { clock }) => createMemoryAdapter({ clock, store: adapter.store }),
  probe: {
    writeInTx: (tx, key, value) => tx.set(key, value),
    read: (adapter, key) =>
      adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
  },
});
