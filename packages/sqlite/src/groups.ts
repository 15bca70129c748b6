/**
 * Checkpoint groups on SQLite (table `<prefix>_group_timestamps` and its two partial indexes,
 * see ./schema.ts). A summary is core's `summarizeBySeeks` over five kinds of indexed
 * `ORDER BY … LIMIT 1` seek, and the partitions of a group are found by a loose index scan, so a
 * refresh costs a few seeks per partition whatever the length of the history. All
 * seeks of one refresh run in one read transaction: one consistent snapshot.
 *
 * HLC nanos use the whole signed 64-bit range, so these statements read integers as BigInt.
 * SQLite has no cross-process change notification: other processes' writes are seen by polling
 * (no `subscribe`).
 */
import {
  checkAdvance,
  type GroupBackend,
  HLC_ORIGIN,
  type Hlc,
  type PartitionSeeks,
  type PartitionSummary,
  summarizeBySeeks,
} from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';
import { prepared, type SqliteConnection } from './connection.js';
import { looseIndexScan } from './loose-index-scan.js';
import type { TableNames } from './schema.js';

interface TimestampRow {
  readonly nanos: bigint;
  readonly logical: bigint;
}

const toHlc = (row: TimestampRow | undefined): Hlc | null =>
  row ? { nanos: row.nanos, logical: Number(row.logical) } : null;

type GroupStatement =
  | 'last'
  | 'firstUnapplied'
  | 'firstAppliedAfter'
  | 'lastBefore'
  | 'nthFrom'
  | 'nextPartition'
  | 'insert'
  | 'commit'
  | 'prune'
  | 'nextUnresolved';

/** Every statement of this file; exported so that a test can EXPLAIN each one's query plan. */
export function groupStatements(t: TableNames): Readonly<Record<GroupStatement, string>> {
  const table = t.groupTimestamps;
  const inPartition = 'group_name = @group AND partition_name = @partition';
  const ascending = 'ORDER BY nanos, logical';
  const descending = 'ORDER BY nanos DESC, logical DESC';
  return {
    last: `SELECT nanos, logical FROM ${table} WHERE ${inPartition} ${descending} LIMIT 1`,
    firstUnapplied: `SELECT nanos, logical FROM ${table}
      WHERE ${inPartition} AND applied = 0 ${ascending} LIMIT 1`,
    firstAppliedAfter: `SELECT nanos, logical FROM ${table}
      WHERE ${inPartition} AND applied = 1 AND (nanos, logical) > (@nanos, @logical) ${ascending} LIMIT 1`,
    lastBefore: `SELECT nanos, logical FROM ${table}
      WHERE ${inPartition} AND (nanos, logical) < (@nanos, @logical) ${descending} LIMIT 1`,
    nthFrom: `SELECT nanos, logical FROM ${table}
      WHERE ${inPartition} AND (nanos, logical) >= (@nanos, @logical) ${ascending} LIMIT 1 OFFSET @offset`,
    nextPartition: `SELECT partition_name FROM ${table}
      WHERE group_name = @group AND partition_name > @after ORDER BY partition_name LIMIT 1`,
    insert: `INSERT INTO ${table} (group_name, partition_name, nanos, logical, applied)
      VALUES (@group, @partition, @nanos, @logical, @applied)`,
    // Pinned to the unapplied index: left to itself the planner walks the group's whole history
    // through the primary key, because the statement changes the partial index's own column.
    commit: `UPDATE ${table} INDEXED BY ${table}_unapplied SET applied = 1
      WHERE group_name = @group AND applied = 0
        AND (nanos, logical) >= (@minNanos, @minLogical) AND (nanos, logical) < (@maxNanos, @maxLogical)`,
    prune: `DELETE FROM ${table}
      WHERE ${inPartition} AND applied = 1 AND (nanos, logical) < (@nanos, @logical)`,
    nextUnresolved: `SELECT group_name FROM ${table}
      WHERE applied = 0 AND group_name > @after ORDER BY group_name LIMIT 1`,
  };
}

export function sqliteGroups(connection: SqliteConnection, t: TableNames): GroupBackend {
  const sql = groupStatements(t);

  /** A statement that reads HLC columns: nanos may exceed Number.MAX_SAFE_INTEGER. */
  const hlcQuery = (db: BetterSqlite3.Database, text: string): BetterSqlite3.Statement =>
    prepared(db, text).safeIntegers(true);

  function seeks(db: BetterSqlite3.Database, group: string, partition: string): PartitionSeeks {
    const at = (ts: Hlc) => ({ group, partition, nanos: ts.nanos, logical: ts.logical });
    const one = (text: string, params: object): Hlc | null =>
      toHlc(hlcQuery(db, text).get(params) as TimestampRow | undefined);
    return {
      last: async () => one(sql.last, { group, partition }),
      firstUnapplied: async () => one(sql.firstUnapplied, { group, partition }),
      firstAppliedAfter: async (ts) => one(sql.firstAppliedAfter, at(ts)),
      lastBefore: async (ts) => one(sql.lastBefore, at(ts)),
      nthFrom: async (from, offset) => one(sql.nthFrom, { ...at(from), offset }),
    };
  }

  const record = (
    tx: BetterSqlite3.Database,
    group: string,
    partition: string,
    ts: Hlc,
    applied: boolean,
  ): void => {
    prepared(tx, sql.insert).run({
      group,
      partition,
      nanos: ts.nanos,
      logical: ts.logical,
      applied: applied ? 1 : 0,
    });
  };

  return {
    ensure: (group, partitions) =>
      connection.write('groups.ensure', (tx) => {
        for (const partition of partitions) {
          if (!hlcQuery(tx, sql.last).get({ group, partition }))
            record(tx, group, partition, HLC_ORIGIN, true);
        }
      }),

    advance: (group, partition, ts) =>
      connection.write('groups.advance', (tx) => {
        const max = toHlc(
          hlcQuery(tx, sql.last).get({ group, partition }) as TimestampRow | undefined,
        );
        // Above the maximum, so it is a new row; equal to it is a duplicate and writes nothing.
        if (checkAdvance(partition, max, ts)) record(tx, group, partition, ts, false);
      }),

    commit: (group, range) =>
      connection.write('groups.commit', (tx) => {
        prepared(tx, sql.commit).run({
          group,
          minNanos: range.min.nanos,
          minLogical: range.min.logical,
          maxNanos: range.max.nanos,
          maxLogical: range.max.logical,
        });
      }),

    summaries: (group, lookahead) =>
      connection.snapshot('groups.refresh', async (db) => {
        const summaries: PartitionSummary[] = [];
        for (const partition of looseIndexScan(prepared(db, sql.nextPartition).pluck(), {
          group,
        })) {
          const summary = await summarizeBySeeks(partition, seeks(db, group, partition), lookahead);
          if (summary) summaries.push(summary);
        }
        return summaries;
      }),

    prune: (group, cutoffs) =>
      connection.write('groups.prune', (tx) => {
        let pruned = 0;
        for (const { partition, below } of cutoffs) {
          pruned += prepared(tx, sql.prune).run({
            group,
            partition,
            nanos: below.nanos,
            logical: below.logical,
          }).changes;
        }
        return pruned;
      }),

    unresolvedGroups: () =>
      connection.read('groups.scanUnresolved', (db) =>
        looseIndexScan(prepared(db, sql.nextUnresolved).pluck()),
      ),
  };
}
