/**
 * Checkpoint groups on SQLite: one round of a 16-partition consumer (advance every partition to
 * the next resolved timestamp, commit it, refresh the window) against better-sqlite3 doing the
 * same I/O at its minimum; and refresh cost with a small against a large applied history.
 */
import type { CheckpointGroup } from '@checkpointkit/core';
import { requestsPerOp } from '../counting/requests-per-op.js';
import { countStatements } from '../counting/sqlite-statements.js';
import { buildHistories, verifyBulkLayout } from '../groups/build-histories.js';
import { groupRound, historyTs, partitionNames } from '../groups/history.js';
import { PARKED_POLL_MS } from '../groups/parked-poll.js';
import { sqliteBulkHistory } from '../groups/sqlite-history.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { maximumCostFactor } from '../report/targets.js';
import {
  openLikeAdapter,
  openRawDatabase,
  openSqliteAdapter,
  type SqliteDatabase,
  sqlitePath,
} from '../services/sqlite-files.js';
import { compareRow } from './comparison-row.js';
import { historyLabel, refreshWhy, roundNote } from './groups-text.js';

/** The floor: per advance one write transaction (read the maximum, insert), one UPDATE, 2 seeks per partition. */
function rawRound(
  db: SqliteDatabase,
  group: string,
  partitions: readonly string[],
): () => Promise<unknown> {
  const table = 'raw_group_timestamps';
  const last = db
    .prepare(
      `SELECT nanos FROM ${table} WHERE group_name = ? AND partition_name = ? ORDER BY nanos DESC, logical DESC LIMIT 1`,
    )
    .safeIntegers(true);
  const firstUnapplied = db
    .prepare(
      `SELECT nanos FROM ${table} WHERE group_name = ? AND partition_name = ? AND applied = 0 ORDER BY nanos, logical LIMIT 1`,
    )
    .safeIntegers(true);
  const insert = db.prepare(
    `INSERT INTO ${table} (group_name, partition_name, nanos, logical, applied) VALUES (?, ?, ?, 0, ?)`,
  );
  const markApplied = db.prepare(
    `UPDATE ${table} INDEXED BY ${table}_unapplied SET applied = 1
      WHERE group_name = ? AND applied = 0 AND nanos >= ? AND nanos < ?`,
  );
  db.transaction(() => {
    for (const partition of partitions) insert.run(group, partition, 0n, 1);
  }).immediate();
  const advance = db.transaction((partition: string, nanos: bigint) => {
    const max = last.get(group, partition) as { nanos: bigint } | undefined;
    if (max && max.nanos > nanos) throw new Error('timestamp regression');
    if (!max || max.nanos < nanos) insert.run(group, partition, nanos, 0);
  }).immediate;
  const commit = db.transaction((from: bigint, to: bigint) => {
    markApplied.run(group, from, to);
  }).immediate;
  const window = db.transaction(() =>
    partitions.map((p) => [last.get(group, p), firstUnapplied.get(group, p)]),
  ).deferred;
  let step = 0;
  return async () => {
    const { nanos } = historyTs(++step);
    for (const partition of partitions) advance(partition, nanos);
    commit(nanos, nanos + 1n);
    return window();
  };
}

export async function groupsSqlite(profile: BenchProfile, dir: string): Promise<Section> {
  const path = sqlitePath(dir, 'groups');
  const rawPath = sqlitePath(dir, 'groups-raw');
  const statements = countStatements();
  const timed = await openSqliteAdapter(path);
  const counted = await openSqliteAdapter(path, { counter: statements });
  const bulk = openLikeAdapter(path);
  const raw = openRawDatabase(rawPath);
  const rawCounted = openRawDatabase(rawPath, { counter: statements });
  const started: CheckpointGroup[] = [];
  const start = async (adapter: typeof timed, name: string): Promise<CheckpointGroup> => {
    const group = await adapter.adapter.groups.start(name, { pollIntervalMs: PARKED_POLL_MS });
    started.push(group);
    return group;
  };
  try {
    await verifyBulkLayout(timed.adapter.groups, sqliteBulkHistory(bulk));
    const partitions = partitionNames(profile.groupPartitions);
    const rows: ComparisonRow[] = [];

    const round = await start(timed, 'bench-round');
    await round.ensure(partitions);
    const roundCounted = await start(counted, 'bench-round-counted');
    await roundCounted.ensure(partitions);
    const roundRow = await compareRow(profile, {
      caseName: `advance ×${partitions.length} + commit + refresh (${partitions.length} partitions)`,
      concurrency: 1,
      ours: {
        label: 'checkpointkit group',
        op: groupRound(round, partitions),
        requestsPerOp: await requestsPerOp(
          groupRound(roundCounted, partitions),
          statements.read,
          profile.countingOperations,
        ),
      },
      baseline: {
        label: `raw: ${partitions.length} × (BEGIN IMMEDIATE, SELECT max, INSERT, COMMIT), UPDATE, ${partitions.length} × 2 seeks`,
        op: rawRound(raw, 'round', partitions),
        requestsPerOp: await requestsPerOp(
          rawRound(rawCounted, 'round-counted', partitions),
          statements.read,
          profile.countingOperations,
        ),
      },
    });
    rows.push(roundRow);

    const { small, large, notes } = await buildHistories(
      profile,
      partitions,
      (name) => start(timed, name),
      sqliteBulkHistory(bulk),
      "written in bulk into the adapter's table",
    );
    const countRefresh = async (total: number): Promise<number> => {
      const group = await start(counted, `bench-history-${total}`);
      return requestsPerOp(() => group.refresh(), statements.read, profile.countingOperations);
    };
    const smallStatements = await countRefresh(profile.groupHistorySmall);
    const largeStatements = await countRefresh(profile.groupHistoryLarge);
    rows.push(
      await compareRow(profile, {
        caseName: `refresh, ${historyLabel(profile.groupHistoryLarge)} vs ${historyLabel(profile.groupHistorySmall)} applied in history`,
        concurrency: 1,
        ours: {
          label: `checkpointkit refresh, ${historyLabel(profile.groupHistoryLarge)} applied`,
          op: () => large.refresh(),
          requestsPerOp: largeStatements,
        },
        baseline: {
          label: `checkpointkit refresh, ${historyLabel(profile.groupHistorySmall)} applied`,
          op: () => small.refresh(),
          requestsPerOp: smallStatements,
        },
        target: (ratio) =>
          maximumCostFactor(
            2,
            `refresh at ${historyLabel(profile.groupHistorySmall)}`,
            1 / ratio,
            () => refreshWhy(smallStatements, largeStatements, 'statements'),
          ),
      }),
    );
    notes.unshift(roundNote(roundRow.ours.requestsPerOp ?? 0, largeStatements, 'statements'));
    notes.push(
      'The bulk writer is checked first: a small history built through the adapter (ensure, advance, commit) and one built in bulk must leave identical rows and windows, or the run fails.',
    );
    return {
      id: 'groups/sqlite',
      primitive: 'Checkpoint groups',
      backend: 'SQLite',
      baselineNote:
        "for the round, better-sqlite3 doing the same I/O at its minimum on a table of the adapter's layout: per advance one write transaction that reads the partition's maximum and inserts, one UPDATE for the commit, and two index seeks per partition (its maximum, its first unapplied) for the window — no window algorithm. For refresh, the baseline is our own refresh on the small history: the ratio is the cost of history length.",
      rows,
      notes,
    };
  } finally {
    for (const group of started) await group.stop();
    await counted.close();
    await timed.close();
    bulk.close();
    raw.close();
    rawCounted.close();
  }
}
