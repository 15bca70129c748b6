/** What the demo needs from a backend: a checkpointkit adapter plus a place for the orders' effects. */
import type { Adapter } from '@checkpointkit/core';
import type { OrderEvent, ShopTotal } from '../stream.js';

/** The `project` of every run-once checkpoint the demo writes. */
export const ORDER_PROJECT = 'demo';

export interface DemoBackend<Tx = unknown> {
  readonly name: string;
  readonly adapter: Adapter<Tx>;
  /**
   * Writes an order's effect (the "real work" of the pipeline) through `tx`, inside the same
   * transaction as the order's run-once checkpoint.
   */
  recordEffect(tx: Tx, event: OrderEvent): void | Promise<void>;
  /** The effects as committed, per shop, read back from the backend for these orders. */
  effectTotals(orders: readonly OrderEvent[]): Promise<Map<string, ShopTotal>>;
  close(): Promise<void>;
}
