/**
 * The shape of a benchmark group's history: partitions p00…, each with `perPartition` applied
 * timestamps 1000, 2000, … ns, then UNAPPLIED_TAIL unapplied ones after them — so a refresh has
 * a dirty partition to summarize, not only clean maxima. Built through the adapter, or in bulk
 * (see ./sqlite-history.ts, ./redis-history.ts) when a million adapter calls would take too long.
 */
import { type CheckpointGroup, type Hlc, hlc, rangeIncluding } from '@checkpointkit/core';

export const UNAPPLIED_TAIL = 4;

export function partitionNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${String(i).padStart(2, '0')}`);
}

/** The i-th timestamp of every partition (1-based). */
export function historyTs(i: number): Hlc {
  return hlc(BigInt(i) * 1000n);
}

/** The history through the adapter: ensure, advance each timestamp, one commit of them all. */
export async function adapterHistory(
  group: CheckpointGroup,
  partitions: readonly string[],
  perPartition: number,
): Promise<void> {
  await group.ensure(partitions);
  for (let i = 1; i <= perPartition; i++) {
    for (const partition of partitions) await group.advance(partition, historyTs(i));
  }
  await group.commit(rangeIncluding(historyTs(1), historyTs(perPartition)));
}

/** The unapplied tail, always through the adapter. */
export async function unappliedTail(
  group: CheckpointGroup,
  partitions: readonly string[],
  perPartition: number,
): Promise<void> {
  for (let k = 1; k <= UNAPPLIED_TAIL; k++) {
    for (const partition of partitions) await group.advance(partition, historyTs(perPartition + k));
  }
}

/** One round of the group comparison: every partition advances to the next timestamp, commit, refresh. */
export function groupRound(
  group: CheckpointGroup,
  partitions: readonly string[],
): () => Promise<unknown> {
  let step = 0;
  return async () => {
    const ts = historyTs(++step);
    for (const partition of partitions) await group.advance(partition, ts);
    await group.commit(rangeIncluding(ts, ts));
    return group.refresh();
  };
}
