/**
 * A group's applied history written straight into the SQLite adapter's table
 * (`<prefix>_group_timestamps`, one row per timestamp, applied = 1) in one transaction: a million
 * adapter `advance` calls are a million fsync'd transactions. `verifySqliteBulkLayout` proves
 * the shortcut writes exactly the rows the adapter writes, before any number is trusted.
 */
import type { CheckpointGroups } from '@checkpointkit/core';
import { formatHlc } from '@checkpointkit/core';
import { DEFAULT_TABLE_PREFIX } from '@checkpointkit/sqlite';
import type { SqliteDatabase } from '../services/sqlite-files.js';
import { adapterHistory, historyTs, unappliedTail } from './history.js';
import { PARKED_POLL_MS } from './parked-poll.js';

const TABLE = `${DEFAULT_TABLE_PREFIX}_group_timestamps`;

/** Call after the adapter's `ensure` (it writes the origin rows). */
export function bulkSqliteHistory(
  db: SqliteDatabase,
  group: string,
  partitions: readonly string[],
  perPartition: number,
): void {
  const insert = db.prepare(
    `INSERT INTO ${TABLE} (group_name, partition_name, nanos, logical, applied) VALUES (?, ?, ?, 0, 1)`,
  );
  db.transaction(() => {
    for (const partition of partitions) {
      for (let i = 1; i <= perPartition; i++) {
        insert.run(group, partition, historyTs(i).nanos);
      }
    }
  })();
}

function storedRows(db: SqliteDatabase, group: string): string[] {
  return (
    db
      .prepare(
        `SELECT partition_name, nanos, logical, applied FROM ${TABLE}
          WHERE group_name = ? ORDER BY partition_name, nanos, logical`,
      )
      .safeIntegers(true)
      .all(group) as { partition_name: string; nanos: bigint; logical: bigint; applied: bigint }[]
  ).map((r) => `${r.partition_name} ${r.nanos}.${r.logical} ${r.applied}`);
}

/** Builds one small history both ways and throws unless rows and windows are identical. */
export async function verifySqliteBulkLayout(
  groups: CheckpointGroups,
  db: SqliteDatabase,
): Promise<void> {
  const partitions = ['a', 'b', 'c'];
  const perPartition = 20;
  const viaAdapter = await groups.start('verify-adapter', { pollIntervalMs: PARKED_POLL_MS });
  await adapterHistory(viaAdapter, partitions, perPartition);
  await unappliedTail(viaAdapter, partitions, perPartition);
  const viaBulk = await groups.start('verify-bulk', { pollIntervalMs: PARKED_POLL_MS });
  await viaBulk.ensure(partitions);
  bulkSqliteHistory(db, 'verify-bulk', partitions, perPartition);
  await unappliedTail(viaBulk, partitions, perPartition);
  const [a, b] = [storedRows(db, 'verify-adapter'), storedRows(db, 'verify-bulk')];
  const [wa, wb] = [await viaAdapter.refresh(), await viaBulk.refresh()];
  await viaAdapter.stop();
  await viaBulk.stop();
  const windows = (w: typeof wa): string => `${formatHlc(w.min)}..${formatHlc(w.max)}`;
  if (a.join('\n') !== b.join('\n') || windows(wa) !== windows(wb) || a.length === 0) {
    throw new Error(
      `the bulk history does not match the adapter's (rows ${a.length} vs ${b.length}, windows ${windows(wa)} vs ${windows(wb)})`,
    );
  }
}
