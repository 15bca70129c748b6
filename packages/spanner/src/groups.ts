/**
 * Checkpoint groups on Spanner (table `<prefix>_group_timestamps` and its two indexes, see
 * ./schema.ts). A summary is core's `summarizeBySeeks` over five kinds of `ORDER BY … LIMIT 1`
 * seek on the primary key or the by-state index, and a group's partitions are found by a loose
 * index scan (one seek per partition), so a refresh costs a few seeks per partition however long
 * the history; all seeks of one refresh read one strong snapshot. Spanner has no change
 * notification the emulator offers (change streams are not used): other processes' writes are
 * seen by polling (no `subscribe`).
 *
 * `commit` and `prune` may touch any number of rows, so they run in batches, each its own
 * transaction under the mutation limit: commit marks timestamps applied in ascending order, so a
 * crash between batches leaves the state of a commit of a smaller range (it is idempotent, and
 * the caller's retry finishes it); prune deletes history nobody reads.
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
import type { CommitTally } from './limits.js';
import type { TableNames } from './schema.js';
import {
  int64,
  query,
  type Row,
  type SpannerTransactions,
  type SpannerTx,
  toBigInt,
  toNumber,
} from './transactions.js';

/** Rows changed per transaction by commit and prune. */
const BATCH_ROWS = 2_000;

/** Secondary index entries one timestamp row has: by-state always, pending while unapplied. */
const INDEX_ENTRIES_UNAPPLIED = 2;

type Queryable = Parameters<typeof query>[0];

const toHlc = (row: Row | undefined): Hlc | null =>
  row ? { nanos: toBigInt(row.Nanos), logical: toNumber(row.Logical) } : null;

const at = (ts: Hlc, prefix = '') => ({
  [`${prefix}nanos`]: int64(ts.nanos),
  [`${prefix}logical`]: int64(ts.logical),
});

export function groupStatements(t: TableNames) {
  const table = t.groupTimestamps;
  const byState = `${table}@{FORCE_INDEX=${t.groupTimestampsByState}}`;
  // The emulator refuses NULL_FILTERED index reads it cannot prove safe unless told; production
  // Spanner ignores this hint. PendingGroup = @group (never NULL) is what makes them safe.
  const pending = `${table}@{FORCE_INDEX=${t.groupTimestampsPending},spanner_emulator.disable_query_null_filtered_index_check=true}`;
  const inPartition = 'GroupName = @group AND PartitionName = @partition';
  const ascending = 'ORDER BY Nanos, Logical';
  const descending = 'ORDER BY Nanos DESC, Logical DESC';
  const after = '(Nanos > @nanos OR (Nanos = @nanos AND Logical > @logical))';
  const from = '(Nanos > @nanos OR (Nanos = @nanos AND Logical >= @logical))';
  const before = '(Nanos < @nanos OR (Nanos = @nanos AND Logical < @logical))';
  return {
    last: `SELECT Nanos, Logical FROM ${table} WHERE ${inPartition} ${descending} LIMIT 1`,
    firstUnapplied: `SELECT Nanos, Logical FROM ${byState}
      WHERE ${inPartition} AND Applied = FALSE ${ascending} LIMIT 1`,
    firstAppliedAfter: `SELECT Nanos, Logical FROM ${byState}
      WHERE ${inPartition} AND Applied = TRUE AND ${after} ${ascending} LIMIT 1`,
    lastBefore: `SELECT Nanos, Logical FROM ${table}
      WHERE ${inPartition} AND ${before} ${descending} LIMIT 1`,
    nthFrom: `SELECT Nanos, Logical FROM ${table}
      WHERE ${inPartition} AND ${from} ${ascending} LIMIT 1 OFFSET @offset`,
    nextPartition: `SELECT PartitionName FROM ${table}
      WHERE GroupName = @group AND PartitionName > @after ORDER BY PartitionName LIMIT 1`,
    existingPartitions: `SELECT p AS PartitionName FROM UNNEST(@partitions) AS p
      WHERE EXISTS (SELECT 1 FROM ${table} WHERE GroupName = @group AND PartitionName = p)`,
    pendingInRange: `SELECT PartitionName, Nanos, Logical FROM ${pending}
      WHERE PendingGroup = @group
        AND (Nanos > @minnanos OR (Nanos = @minnanos AND Logical >= @minlogical))
        AND (Nanos < @maxnanos OR (Nanos = @maxnanos AND Logical < @maxlogical))
      ORDER BY Nanos, Logical, PartitionName LIMIT ${BATCH_ROWS}`,
    prunable: `SELECT Nanos, Logical FROM ${byState}
      WHERE ${inPartition} AND Applied = TRUE AND ${before} ${ascending} LIMIT ${BATCH_ROWS}`,
    nextUnresolved: `SELECT PendingGroup FROM ${pending}
      WHERE PendingGroup > @after ORDER BY PendingGroup LIMIT 1`,
  };
}

export function spannerGroups(spanner: SpannerTransactions, t: TableNames): GroupBackend {
  const sql = groupStatements(t);

  const one = async (on: Queryable, text: string, params: Record<string, unknown>) =>
    toHlc((await query(on, { sql: text, params }))[0]);

  function seeks(on: Queryable, group: string, partition: string): PartitionSeeks {
    const key = { group, partition };
    return {
      last: () => one(on, sql.last, key),
      firstUnapplied: () => one(on, sql.firstUnapplied, key),
      firstAppliedAfter: (ts) => one(on, sql.firstAppliedAfter, { ...key, ...at(ts) }),
      lastBefore: (ts) => one(on, sql.lastBefore, { ...key, ...at(ts) }),
      nthFrom: (ts, offset) => one(on, sql.nthFrom, { ...key, ...at(ts), offset: int64(offset) }),
    };
  }

  /** Loose index scan: each partition of the group, one seek each. */
  async function partitionsOf(on: Queryable, group: string): Promise<string[]> {
    const partitions: string[] = [];
    for (let previous = ''; ; ) {
      const [row] = await query(on, { sql: sql.nextPartition, params: { group, after: previous } });
      if (!row) return partitions;
      previous = row.PartitionName as string;
      partitions.push(previous);
    }
  }

  const record = (
    tx: SpannerTx,
    tally: CommitTally,
    group: string,
    partition: string,
    ts: Hlc,
    applied: boolean,
  ): void => {
    const row = {
      GroupName: group,
      PartitionName: partition,
      Nanos: int64(ts.nanos),
      Logical: int64(ts.logical),
      Applied: applied,
      PendingGroup: applied ? null : group,
    };
    tally.row(Object.values(row), applied ? 1 : INDEX_ENTRIES_UNAPPLIED);
    tx.insert(t.groupTimestamps, row);
  };

  return {
    ensure: (group, partitions) =>
      spanner.write('groups.ensure', async (tx, tally) => {
        const existing = new Set(
          (
            await query(tx, {
              sql: sql.existingPartitions,
              params: { group, partitions: [...partitions] },
              types: { partitions: { type: 'array', child: 'string' } },
            })
          ).map((r) => r.PartitionName as string),
        );
        for (const partition of new Set(partitions)) {
          if (!existing.has(partition)) record(tx, tally, group, partition, HLC_ORIGIN, true);
        }
      }),

    advance: (group, partition, ts) =>
      spanner.write('groups.advance', async (tx, tally) => {
        const max = await one(tx, sql.last, { group, partition });
        // Above the maximum, so it is a new row; equal to it is a duplicate and writes nothing.
        if (checkAdvance(partition, max, ts)) record(tx, tally, group, partition, ts, false);
      }),

    async commit(group, range) {
      const params = { group, ...at(range.min, 'min'), ...at(range.max, 'max') };
      for (;;) {
        const marked = await spanner.write('groups.commit', async (tx, tally) => {
          const rows = await query(tx, { sql: sql.pendingInRange, params });
          for (const row of rows) {
            const applied = {
              GroupName: group,
              PartitionName: row.PartitionName as string,
              Nanos: int64(toBigInt(row.Nanos)),
              Logical: int64(toNumber(row.Logical)),
              Applied: true,
              PendingGroup: null,
            };
            // The by-state entry moves (delete + insert), the pending entry goes.
            tally.row(Object.values(applied), 3);
            tx.update(t.groupTimestamps, applied);
          }
          return rows.length;
        });
        if (marked < BATCH_ROWS) return;
      }
    },

    summaries: (group, lookahead) =>
      spanner.snapshot('groups.refresh', async (snapshot) => {
        const summaries: PartitionSummary[] = [];
        for (const partition of await partitionsOf(snapshot, group)) {
          const summary = await summarizeBySeeks(
            partition,
            seeks(snapshot, group, partition),
            lookahead,
          );
          if (summary) summaries.push(summary);
        }
        return summaries;
      }),

    async prune(group, cutoffs) {
      let pruned = 0;
      for (const { partition, below } of cutoffs) {
        for (;;) {
          const deleted = await spanner.write('groups.prune', async (tx, tally) => {
            const rows = await query(tx, {
              sql: sql.prunable,
              params: { group, partition, ...at(below) },
            });
            if (rows.length > 0) {
              tally.deletions(rows.length, 1);
              tx.deleteRows(
                t.groupTimestamps,
                rows.map((r) => [
                  group,
                  partition,
                  int64(toBigInt(r.Nanos)),
                  int64(toNumber(r.Logical)),
                ]) as never,
              );
            }
            return rows.length;
          });
          pruned += deleted;
          if (deleted < BATCH_ROWS) break;
        }
      }
      return pruned;
    },

    unresolvedGroups: () =>
      spanner.read('groups.scanUnresolved', async (db) => {
        const groups: string[] = [];
        for (let previous = ''; ; ) {
          const [row] = await query(db, { sql: sql.nextUnresolved, params: { after: previous } });
          if (!row) return groups;
          previous = row.PendingGroup as string;
          groups.push(previous);
        }
      }),
  };
}
