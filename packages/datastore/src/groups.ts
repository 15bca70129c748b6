/**
 * Checkpoint groups on Datastore. A group is one entity group: the `Group` entity (a count of
 * unapplied timestamps, indexed for scanUnresolved), a `GroupPartition` child per partition,
 * and under each partition its `GroupTimestamp` entities keyed by core's `hlcSortKey`, so that
 * key order is timestamp order (see ./kinds.ts).
 *
 * A refresh lists the partitions (one keys-only ancestor query) and gives core's
 * `summarizeBySeeks` five kinds of keys-only ancestor query with `limit 1`, all in one
 * read-only transaction: one consistent snapshot, a few small reads per partition whatever the
 * length of the history. Every query here is an ancestor query, so every rule holds where
 * Datastore queries are otherwise eventually consistent — except scanUnresolved (a query across
 * groups), which may lag there. Datastore has no change notification: watchers poll.
 */
import {
  checkAdvance,
  compareUtf8,
  type GroupBackend,
  HLC_ORIGIN,
  type Hlc,
  hlcFromSortKey,
  hlcSortKey,
  OutcomeUnknownError,
  type PartitionSeeks,
  type PartitionSummary,
  summarizeBySeeks,
} from '@checkpointkit/core';
import { type Key, PropertyFilter, type Query } from '@google-cloud/datastore';
import {
  type DatastoreConnection,
  type DatastoreTx,
  type EntityWrite,
  indexed,
  keyId,
  newWriteId,
  stored,
} from './connection.js';
import { nameOf, userStringOf } from './kinds.js';

/**
 * Re-runs of ensure after a lost reply (it only creates what is missing, so running it again is
 * harmless) before the outcome stays unknown.
 */
const UNKNOWN_OUTCOME_RERUNS = 3;

async function againIfUnknown<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof OutcomeUnknownError) || attempt > UNKNOWN_OUTCOME_RERUNS) throw error;
    }
  }
}

/** Timestamps one commit transaction marks (with the count: within 500 mutations). */
const COMMIT_BATCH = 450;
/** Partitions one ensure transaction creates (two entities each). */
const ENSURE_BATCH = 200;

export function datastoreGroups(c: DatastoreConnection): GroupBackend {
  const k = c.kinds;
  const groupKey = (group: string): Key => c.key([k.Group, nameOf(group)]);
  const partitionPath = (group: string, partition: string): string[] => [
    k.Group,
    nameOf(group),
    k.GroupPartition,
    nameOf(partition),
  ];
  const partitionKey = (group: string, partition: string): Key =>
    c.key(partitionPath(group, partition));
  const timestampKey = (group: string, partition: string, ts: Hlc): Key =>
    c.key([...partitionPath(group, partition), k.GroupTimestamp, hlcSortKey(ts)]);

  const timestampWrite = (key: Key, applied: boolean, writeId = ''): EntityWrite => ({
    key,
    data: [
      indexed('applied', applied),
      indexed('ts', key.name as string),
      stored('writeId', writeId),
    ],
  });
  const partitionWrite = (group: string, partition: string): EntityWrite => ({
    key: partitionKey(group, partition),
    data: [],
  });

  const unappliedCount = async (group: string, tx: DatastoreTx): Promise<number> =>
    ((await c.get('groups.count', groupKey(group), tx))?.unapplied as number | undefined) ?? 0;
  const saveCount = (tx: DatastoreTx, group: string, unapplied: number): void =>
    c.save(tx, 'groups.count', { key: groupKey(group), data: [indexed('unapplied', unapplied)] });

  const timestampsOf = (group: string, partition: string): Query =>
    c.query(k.GroupTimestamp).hasAncestor(partitionKey(group, partition)).select('__key__');

  function seeks(tx: DatastoreTx, group: string, partition: string): PartitionSeeks {
    const first = async (query: Query): Promise<Hlc | null> => {
      const [entity] = await c.run('groups.refresh', query.limit(1), tx);
      return entity ? hlcFromSortKey(c.keyOf(entity).name as string) : null;
    };
    const at = (ts: Hlc): Key => timestampKey(group, partition, ts);
    return {
      last: () => first(timestampsOf(group, partition).order('__key__', { descending: true })),
      firstUnapplied: () =>
        first(
          timestampsOf(group, partition)
            .filter(new PropertyFilter('applied', '=', false))
            .order('__key__'),
        ),
      firstAppliedAfter: (ts) =>
        first(
          timestampsOf(group, partition)
            .filter(new PropertyFilter('applied', '=', true))
            .filter(new PropertyFilter('__key__', '>', at(ts)))
            .order('__key__'),
        ),
      lastBefore: (ts) =>
        first(
          timestampsOf(group, partition)
            .filter(new PropertyFilter('__key__', '<', at(ts)))
            .order('__key__', { descending: true }),
        ),
      nthFrom: (from, offset) =>
        first(
          timestampsOf(group, partition)
            .filter(new PropertyFilter('__key__', '>=', at(from)))
            .order('__key__')
            .offset(offset),
        ),
    };
  }

  return {
    async ensure(group, partitions) {
      for (let i = 0; i < partitions.length; i += ENSURE_BATCH) {
        const batch = partitions.slice(i, i + ENSURE_BATCH);
        // Idempotent (it only creates what is missing), so a lost reply is settled by running it again.
        await againIfUnknown(() =>
          c.transaction('groups.ensure', async (tx) => {
            const existing = await c.lookup(
              'groups.ensure',
              batch.map((p) => partitionKey(group, p)),
              { tx },
            );
            for (const partition of batch) {
              if (existing.has(keyId(partitionKey(group, partition)))) continue;
              c.save(tx, 'groups.ensure', partitionWrite(group, partition));
              c.save(
                tx,
                'groups.ensure',
                timestampWrite(timestampKey(group, partition, HLC_ORIGIN), true),
              );
            }
          }),
        );
      }
    },

    advance(group, partition, ts) {
      let writeId = '';
      const key = timestampKey(group, partition, ts);
      return c.transaction(
        'groups.advance',
        async (tx) => {
          const max = await seeks(tx, group, partition).last();
          // Above the maximum, so it is a new entity; equal to it is a duplicate and writes nothing.
          if (!checkAdvance(partition, max, ts)) return;
          const unapplied = await unappliedCount(group, tx);
          writeId = newWriteId();
          c.save(tx, 'groups.advance', partitionWrite(group, partition));
          c.save(tx, 'groups.advance', timestampWrite(key, false, writeId));
          saveCount(tx, group, unapplied + 1);
        },
        // A lost reply: the timestamp entity carrying this attempt's writeId is ours.
        async () => (await c.get('groups.advance.readBack', key))?.writeId === writeId,
      );
    },

    async commit(group, range) {
      // Each transaction marks up to COMMIT_BATCH of the range's unapplied timestamps (in any
      // partition of the group) and lowers the count with them; repeated until none is left.
      // Never re-run blindly after a lost reply: a timestamp advanced since would be marked too.
      for (;;) {
        let writeId = '';
        let batch: Key[] = [];
        const marked = await c.transaction(
          'groups.commit',
          async (tx) => {
            batch = await c.keys(
              'groups.commit',
              c
                .query(k.GroupTimestamp)
                .hasAncestor(groupKey(group))
                .filter(new PropertyFilter('applied', '=', false))
                .filter(new PropertyFilter('ts', '>=', hlcSortKey(range.min)))
                .filter(new PropertyFilter('ts', '<', hlcSortKey(range.max)))
                .limit(COMMIT_BATCH),
              tx,
            );
            if (batch.length === 0) return 0;
            const unapplied = await unappliedCount(group, tx);
            writeId = newWriteId();
            for (const key of batch)
              c.save(tx, 'groups.commit', timestampWrite(key, true, writeId));
            saveCount(tx, group, Math.max(0, unapplied - batch.length));
            return batch.length;
          },
          // A lost reply: the batch is ours if its timestamps carry this attempt's writeId.
          async () => {
            const found = await c.lookup('groups.commit.readBack', batch);
            return batch.every((key) => found.get(keyId(key))?.writeId === writeId);
          },
        );
        if (marked < COMMIT_BATCH) return;
      }
    },

    summaries: (group, lookahead) =>
      c.snapshot('groups.refresh', async (tx) => {
        const partitions = await c.keys(
          'groups.refresh',
          c.query(k.GroupPartition).hasAncestor(groupKey(group)),
          tx,
        );
        const summaries: PartitionSummary[] = [];
        for (const key of partitions) {
          const partition = userStringOf(key.name as string);
          const summary = await summarizeBySeeks(partition, seeks(tx, group, partition), lookahead);
          if (summary) summaries.push(summary);
        }
        return summaries;
      }),

    async prune(group, cutoffs) {
      let pruned = 0;
      for (const { partition, below } of cutoffs) {
        const keys = await c.keys(
          'groups.prune',
          timestampsOf(group, partition)
            .filter(new PropertyFilter('applied', '=', true))
            .filter(new PropertyFilter('__key__', '<', timestampKey(group, partition, below))),
        );
        await c.deleteAll('groups.prune', keys);
        pruned += keys.length;
      }
      return pruned;
    },

    async unresolvedGroups() {
      const keys = await c.keys(
        'groups.scanUnresolved',
        c.query(k.Group).filter(new PropertyFilter('unapplied', '>', 0)),
      );
      return keys.map((key) => userStringOf(key.name as string)).sort(compareUtf8);
    },
  };
}
