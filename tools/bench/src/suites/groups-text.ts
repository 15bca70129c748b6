/** Shared wording of the two group suites. */
import { BACKGROUND_REFRESH_GAP_MS, formatHlc, type HlcRange } from '@checkpointkit/core';
import { UNAPPLIED_TAIL } from '../groups/history.js';

export function historyLabel(total: number): string {
  return total >= 1_000_000 && total % 1_000_000 === 0
    ? `${total / 1_000_000}M`
    : total >= 1_000 && total % 1_000 === 0
      ? `${total / 1_000}k`
      : String(total);
}

export function refreshWhy(small: number, large: number, unit: string): string {
  return `the refresh sends the same seeks whatever the history (${small} ${unit} at the small history, ${large} at the large one), so what grows is the cost of each index seek (B-tree or skiplist depth, cache misses on a larger index).`;
}

/** What the round row shows about background refreshes, from its measured request counts. */
export function roundNote(roundRequests: number, refreshRequests: number, unit: string): string {
  return `A round costs ${roundRequests.toFixed(0)} ${unit}; one refresh costs ${refreshRequests.toFixed(0)}, so a round carries about ${(roundRequests / refreshRequests).toFixed(1)} refreshes' worth, the one the round asks for included: core's group runtime also refreshes the window in the background after local writes${unit === 'round trips' ? ' and after its own pub/sub notifications' : ''}, coalesced to at most one every ${BACKGROUND_REFRESH_GAP_MS} ms (\`BACKGROUND_REFRESH_GAP_MS\`), so that watchers see a change without polling.`;
}

export function historyNote(
  total: number,
  perPartition: number,
  partitions: number,
  how: string,
  builtMs: number,
  window: HlcRange,
): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  return `The "${historyLabel(total)}" history: ${count(perPartition)} applied timestamps per partition, ${count(perPartition * partitions)} in all, then ${UNAPPLIED_TAIL} unapplied each (through the adapter), ${how} in ${(builtMs / 1000).toFixed(1)} s; window [${formatHlc(window.min)}, ${formatHlc(window.max)}).`;
}
