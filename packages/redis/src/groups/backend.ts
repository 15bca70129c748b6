/**
 * Checkpoint groups on Redis (GroupBackend): per group, under its own hash tag, a partitions hash
 * and per partition three ZSETs of sort keys (all, applied, unapplied); see README.md, "Key
 * layout". Writes are one script each, and bump the group's version.
 *
 * A window is read with core's summarizeBySeeks, a few seeks per partition (./seeks.ts), which
 * are separate commands. To still see one consistent state — not a partition half-way through a
 * concurrent commit — the read is a seqlock: it reads the version before and after, and starts
 * over when a write came in between.
 */
import {
  BackendError,
  checkAdvance,
  compareUtf8,
  type GroupBackend,
  HLC_ORIGIN,
  hlcFromSortKey,
  hlcSortKey,
  type PartitionSummary,
  retryAborted,
  summarizeBySeeks,
  TransactionAbortedError,
} from '@checkpointkit/core';
import type { RedisContext } from '../context.js';
import { redisCall } from '../errors.js';
import { nameInTag } from '../key-layout.js';
import { groupAdvance } from '../lua/group-advance.js';
import { groupCommit } from '../lua/group-commit.js';
import { groupEnsure } from '../lua/group-ensure.js';
import { groupPrune } from '../lua/group-prune.js';
import { SUMMARY_ATTEMPTS } from '../options.js';
import { scanKeys } from '../scan.js';
import type { ChangeNotifier } from './notifier.js';
import { partitionSeeks } from './seeks.js';

export function redisGroups(context: RedisContext, notifier: ChangeNotifier): GroupBackend {
  const { client, scripts, layout, journal, options } = context;
  const keys = (group: string): string[] => [
    layout.groupPartitions(group),
    layout.groupVersion(group),
  ];

  async function snapshot(group: string): Promise<[string | null, Record<string, string>]> {
    const replies = await redisCall('group window', () =>
      client
        .pipeline()
        .get(layout.groupVersion(group))
        .hgetall(layout.groupPartitions(group))
        .exec(),
    );
    for (const [error] of replies ?? []) if (error) throw error;
    const [[, version], [, partitions]] = replies as [
      [null, string | null],
      [null, Record<string, string>],
    ];
    return [version, partitions];
  }

  return {
    async ensure(group, partitions) {
      await scripts.run(groupEnsure, keys(group), [
        layout.groupBase(group),
        layout.groupChannel(group),
        hlcSortKey(HLC_ORIGIN),
        ...partitions,
      ]);
    },

    async advance(group, partition, ts) {
      // Journaled: a resend after a later advance must not read as a regression.
      const tag = layout.groupTag(group);
      const [outcome, maximum] = (await journal.write(groupAdvance, tag, keys(group), [
        layout.groupBase(group),
        layout.groupChannel(group),
        partition,
        hlcSortKey(ts),
      ])) as [string, string?];
      if (outcome !== 'regression') return;
      checkAdvance(partition, hlcFromSortKey(maximum as string), ts);
      throw new BackendError(`group-advance refused ${hlcSortKey(ts)}, which checkAdvance accepts`);
    },

    async commit(group, range) {
      // Journaled: a resend must not mark timestamps advanced after it as applied.
      await journal.write(groupCommit, layout.groupTag(group), keys(group), [
        layout.groupBase(group),
        layout.groupChannel(group),
        hlcSortKey(range.min),
        hlcSortKey(range.max),
      ]);
    },

    summaries(group, lookahead) {
      const policy = { ...options.retry, maxAttempts: SUMMARY_ATTEMPTS };
      return retryAborted(`group ${JSON.stringify(group)} window`, policy, async () => {
        const [before, partitions] = await snapshot(group);
        const summaries = await Promise.all(
          Object.entries(partitions).map(([partition, number]) =>
            summarizeBySeeks(
              partition,
              partitionSeeks(client, layout, group, Number(number)),
              lookahead,
            ),
          ),
        );
        const after = await redisCall('group window', () => client.get(layout.groupVersion(group)));
        if (after !== before)
          throw new TransactionAbortedError('the group changed during the read');
        return summaries.filter((s): s is PartitionSummary => s !== null);
      });
    },

    async prune(group, cutoffs) {
      if (cutoffs.length === 0) return 0;
      const pruned = await scripts.run(groupPrune, keys(group), [
        layout.groupBase(group),
        ...cutoffs.flatMap((c) => [c.partition, hlcSortKey(c.below)]),
      ]);
      return Number(pruned);
    },

    async unresolvedGroups() {
      const groups = new Set<string>();
      for (const key of await scanKeys(client, layout.groupUnappliedPattern, 'scanUnresolved')) {
        const group = nameInTag(layout, key, 'g');
        if (group !== null) groups.add(group);
      }
      return [...groups].sort(compareUtf8);
    },

    subscribe(group, onChange) {
      return notifier.subscribe(layout.groupChannel(group), onChange);
    },
  };
}
