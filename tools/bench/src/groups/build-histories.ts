/**
 * Building the two histories of the refresh comparison, the same way on every backend, and the
 * check that a backend's bulk shortcut writes exactly what the adapter writes.
 */
import { type CheckpointGroup, type CheckpointGroups, formatHlc } from '@checkpointkit/core';
import type { BenchProfile } from '../profile.js';
import { historyNote } from '../suites/groups-text.js';
import { adapterHistory, unappliedTail } from './history.js';
import { PARKED_POLL_MS } from './parked-poll.js';

/**
 * The small and the large history of the refresh comparison, each in its own group: ensure, the
 * applied history written by `bulk`, the unapplied tail through the adapter. Returns the
 * groups and a note per history (how it was built, how long it took, its window).
 */
export async function buildHistories(
  profile: BenchProfile,
  partitions: readonly string[],
  start: (name: string) => Promise<CheckpointGroup>,
  bulk: BulkHistory,
  how: string,
): Promise<{ small: CheckpointGroup; large: CheckpointGroup; notes: string[] }> {
  const notes: string[] = [];
  const groups: CheckpointGroup[] = [];
  for (const total of [profile.groupHistorySmall, profile.groupHistoryLarge]) {
    const perPartition = Math.round(total / partitions.length);
    const name = `bench-history-${total}`;
    const group = await start(name);
    const builtMs = performance.now();
    await group.ensure(partitions);
    await bulk.write(name, partitions, perPartition);
    await unappliedTail(group, partitions, perPartition);
    notes.push(
      historyNote(
        total,
        perPartition,
        partitions.length,
        how,
        performance.now() - builtMs,
        await group.refresh(),
      ),
    );
    groups.push(group);
  }
  const [small, large] = groups as [CheckpointGroup, CheckpointGroup];
  return { small, large, notes };
}

/** How one backend writes a history in bulk, and reads back what is stored for a group. */
export interface BulkHistory {
  write(group: string, partitions: readonly string[], perPartition: number): void | Promise<void>;
  /** The group's stored timestamps, one line each, in a fixed order. */
  stored(group: string): string[] | Promise<string[]>;
  /** A line `stored` must hold once the history is written: its first applied timestamp. */
  readonly firstApplied: string;
}

/**
 * Builds one small history both ways — through the adapter, and ensure + bulk — and throws
 * unless what is stored and the windows are identical. Run before any number is trusted.
 */
export async function verifyBulkLayout(groups: CheckpointGroups, bulk: BulkHistory): Promise<void> {
  const partitions = ['a', 'b', 'c'];
  const perPartition = 20;
  const viaAdapter = await groups.start('verify-adapter', { pollIntervalMs: PARKED_POLL_MS });
  await adapterHistory(viaAdapter, partitions, perPartition);
  await unappliedTail(viaAdapter, partitions, perPartition);
  const viaBulk = await groups.start('verify-bulk', { pollIntervalMs: PARKED_POLL_MS });
  await viaBulk.ensure(partitions);
  await bulk.write('verify-bulk', partitions, perPartition);
  await unappliedTail(viaBulk, partitions, perPartition);
  const [a, b] = [await bulk.stored('verify-adapter'), await bulk.stored('verify-bulk')];
  const [wa, wb] = [await viaAdapter.refresh(), await viaBulk.refresh()];
  await viaAdapter.stop();
  await viaBulk.stop();
  const windows = (w: typeof wa): string => `${formatHlc(w.min)}..${formatHlc(w.max)}`;
  if (
    a.join('\n') !== b.join('\n') ||
    windows(wa) !== windows(wb) ||
    !a.includes(bulk.firstApplied)
  ) {
    throw new Error(
      `the bulk history does not match the adapter's (${a.length} vs ${b.length} stored lines, windows ${windows(wa)} vs ${windows(wb)})`,
    );
  }
}
