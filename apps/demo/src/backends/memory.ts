/** The in-memory backend: for the demo's own tests (it cannot resume across processes). */
import { createMemoryAdapter, type MemoryTx } from '@checkpointkit/core';
import { type OrderEvent, type ShopTotal, totalsByShop } from '../stream.js';
import type { DemoBackend } from './backend.js';

export function openMemoryBackend(): DemoBackend<MemoryTx> {
  const adapter = createMemoryAdapter();
  return {
    name: 'memory',
    adapter,
    recordEffect(tx, event) {
      tx.set(`effect:${event.id}`, event);
    },
    async effectTotals(): Promise<Map<string, ShopTotal>> {
      const effects: OrderEvent[] = [];
      for (const [key, row] of adapter.store.table('user')) {
        if (key.startsWith('effect:')) effects.push(row as OrderEvent);
      }
      return totalsByShop(effects);
    },
    close: () => adapter.close(),
  };
}
