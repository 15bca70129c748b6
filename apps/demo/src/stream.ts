/**
 * The demo's source: a deterministic stream of orders, partitioned like a Kafka topic. Each
 * partition delivers its orders in timestamp order; after a chunk, the partition's resolved
 * timestamp is the last order's. The same options always give the same stream, so a restarted
 * worker re-reads exactly what it read before, and the expected totals can be computed
 * independently of the pipeline.
 */
import { type Hlc, hlc } from '@checkpointkit/core';

export interface OrderEvent {
  readonly id: string;
  readonly shop: string;
  readonly partition: string;
  readonly ts: Hlc;
  readonly amountCents: number;
}

export interface StreamOptions {
  readonly events: number;
  readonly partitions: number;
  readonly seed: number;
}

export interface OrderStream {
  /** What generated it: the same options give the same stream. */
  readonly options: StreamOptions;
  readonly partitions: readonly string[];
  /** Per partition, its orders in timestamp order. */
  readonly byPartition: ReadonlyMap<string, readonly OrderEvent[]>;
  readonly end: Hlc;
}

/** 2023-11-14T22:13:20Z in nanoseconds: the stream's epoch. */
const EPOCH_NANOS = 1_700_000_000_000_000_000n;
const SHOPS_PER_PARTITION = 3;

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function partitionName(index: number): string {
  return `partition-${String(index).padStart(2, '0')}`;
}

export function generateStream(options: StreamOptions): OrderStream {
  const random = prng(options.seed);
  const partitions = Array.from({ length: options.partitions }, (_, i) => partitionName(i));
  const byPartition = new Map<string, OrderEvent[]>(partitions.map((p) => [p, []]));
  let nanos = EPOCH_NANOS;
  for (let i = 0; i < options.events; i++) {
    // Strictly increasing, globally unique timestamps with irregular gaps.
    nanos += BigInt(1 + Math.floor(random() * 5000)) * 1000n;
    const p = Math.floor(random() * options.partitions);
    const shop = `shop-${String(p * SHOPS_PER_PARTITION + Math.floor(random() * SHOPS_PER_PARTITION)).padStart(3, '0')}`;
    const partition = partitions[p] as string;
    (byPartition.get(partition) as OrderEvent[]).push({
      id: `order-${String(i).padStart(7, '0')}`,
      shop,
      partition,
      ts: hlc(nanos, 0),
      amountCents: 100 + Math.floor(random() * 99_900),
    });
  }
  return { options: { ...options }, partitions, byPartition, end: hlc(nanos, 0) };
}

export interface ShopTotal {
  count: number;
  amountCents: number;
}

/** Orders and amount per shop, sorted by shop. */
export function totalsByShop(events: Iterable<OrderEvent>): Map<string, ShopTotal> {
  const totals = new Map<string, ShopTotal>();
  for (const e of events) {
    const t = totals.get(e.shop) ?? { count: 0, amountCents: 0 };
    t.count++;
    t.amountCents += e.amountCents;
    totals.set(e.shop, t);
  }
  return new Map([...totals].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The answer the pipeline must reach, computed straight from the stream. */
export function expectedTotals(stream: OrderStream): Map<string, ShopTotal> {
  return totalsByShop([...stream.byPartition.values()].flat());
}
