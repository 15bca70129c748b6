/** Building the two histories of the refresh comparison, the same way on every backend. */
import type { CheckpointGroup } from '@checkpointkit/core';
import type { BenchProfile } from '../profile.js';
import { historyNote } from '../suites/groups-text.js';
import { unappliedTail } from './history.js';

/**
 * The small and the large history of the refresh comparison, each in its own group: ensure, the
 * applied history written by `writeBulk`, the unapplied tail through the adapter. Returns the
 * groups and a note per history (how it was built, how long it took, its window).
 */
export async function buildHistories(
  profile: BenchProfile,
  partitions: readonly string[],
  start: (name: string) => Promise<CheckpointGroup>,
  writeBulk: (name: string, perPartition: number) => void | Promise<void>,
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
    await writeBulk(name, perPartition);
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
