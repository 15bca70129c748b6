/**
 * A group's applied history written straight into the SQLite adapter's table
 * (`<prefix>_group_timestamps`, one row per timestamp, applied = 1) in one transaction: a million
 * adapter `advance` calls are a million fsync'd transactions. `verifyBulkLayout` (./build-histories.ts) proves
 * the shortcut writes exactly the rows the adapter writes, before any number is trusted.
 */
import { DEFAULT_TABLE_PREFIX } from '@checkpointkit/sqlite';
import type { SqliteDatabase } from '../services/sqlite-files.js';
import type { BulkHistory } from './build-histories.js';
import { historyTs } from './history.js';

const TABLE = `${DEFAULT_TABLE_PREFIX}_group_timestamps`;

/** Call after the adapter's `ensure` (it writes the origin rows). */
function bulkSqliteHistory(
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

/** The bulk shortcut for the SQLite adapter, for buildHistories and verifyBulkLayout. */
export function sqliteBulkHistory(db: SqliteDatabase): BulkHistory {
  return {
    write: (group, partitions, perPartition) =>
      bulkSqliteHistory(db, group, partitions, perPartition),
    stored: (group) => storedRows(db, group),
    firstApplied: `a ${historyTs(1).nanos}.0 1`,
  };
}
