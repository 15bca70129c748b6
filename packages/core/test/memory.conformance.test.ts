// The reference adapter passes the whole conformance suite, nothing skipped.

import { runConformance } from '../src/conformance/index.js';
import { createMemoryAdapter, type MemoryAdapter, type MemoryTx } from '../src/index.js';
import { lossyMemoryTarget } from './support/lost-replies.js';

runConformance<MemoryTx, MemoryAdapter>({
  name: 'memory',
  create: async ({ clock }) => createMemoryAdapter({ clock }),
  reopen: async (adapter, { clock }) => createMemoryAdapter({ clock, store: adapter.store }),
  probe: {
    writeInTx: (tx, key, value) => tx.set(key, value),
    read: (adapter, key) =>
      adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
    // A careless callback committing the memory transaction's rows itself.
    endTransaction: (tx) => tx.rows.apply(),
  },
});

// Again with a fault capability, so that the lost-reply cases (faults/…) run too: a memory store
// that loses a reply after applying the write and reports OutcomeUnknownError, as an adapter
// that cannot settle the outcome must.
runConformance(lossyMemoryTarget('outcome-unknown'));
