/**
 * Checkpoint groups on Redis: one round of a 16-partition consumer (advance every partition,
 * commit, refresh) against the same client doing the same I/O at its minimum; and refresh cost
 * with a small against a large applied history.
 */
import { type CheckpointGroup, hlcSortKey } from '@checkpointkit/core';
import { createRedisAdapter } from '@checkpointkit/redis';
import { countedRedisContender } from '../counting/redis-sides.js';
import { buildHistories, verifyBulkLayout } from '../groups/build-histories.js';
import { groupRound, historyTs, partitionNames } from '../groups/history.js';
import { PARKED_POLL_MS } from '../groups/parked-poll.js';
import { redisBulkHistory } from '../groups/redis-history.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { maximumCostFactor } from '../report/targets.js';
import type { BenchRedis } from '../services/redis-service.js';
import { compareRow } from './comparison-row.js';
import { historyLabel, refreshWhy, roundNote } from './groups-text.js';

const KEY_PREFIX = 'bench-groups';

/**
 * The floor's advance. KEYS[1] the partition's timestamps, KEYS[2] its unapplied ones; ARGV[1]
 * the sort key. Refuses a regression, records a new maximum, ignores a duplicate.
 */
const RAW_ADVANCE_LUA = `local last = redis.call('ZRANGE', KEYS[1], '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1]
if last and last > ARGV[1] then return redis.error_reply('regression') end
if last == ARGV[1] then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1`;

/**
 * The floor's commit. KEYS: per partition its unapplied then its applied set; ARGV[1], ARGV[2]
 * the range's sort keys [min, max). Moves the range from unapplied to applied.
 */
const RAW_COMMIT_LUA = `for i = 1, #KEYS, 2 do
  local moving = redis.call('ZRANGE', KEYS[i], '[' .. ARGV[1], '(' .. ARGV[2], 'BYLEX')
  if #moving > 0 then
    redis.call('ZREMRANGEBYLEX', KEYS[i], '[' .. ARGV[1], '(' .. ARGV[2])
    for _, m in ipairs(moving) do redis.call('ZADD', KEYS[i + 1], 0, m) end
  end
end
return 1`;

async function rawRound(
  redis: BenchRedis,
  partitions: readonly string[],
): Promise<() => Promise<unknown>> {
  const { client } = redis;
  const advanceSha = (await client.script('LOAD', RAW_ADVANCE_LUA)) as string;
  const commitSha = (await client.script('LOAD', RAW_COMMIT_LUA)) as string;
  const key = (set: string, partition: string): string => `raw:{g:round}:${set}:${partition}`;
  const commitKeys = partitions.flatMap((p) => [key('unapplied', p), key('applied', p)]);
  let step = 0;
  return async () => {
    const ts = historyTs(++step);
    const sortKey = hlcSortKey(ts);
    for (const partition of partitions) {
      await client.evalsha(
        advanceSha,
        2,
        key('all', partition),
        key('unapplied', partition),
        sortKey,
      );
    }
    await client.evalsha(
      commitSha,
      commitKeys.length,
      ...commitKeys,
      sortKey,
      hlcSortKey({ nanos: ts.nanos + 1n, logical: 0 }),
    );
    const window = client.pipeline();
    for (const partition of partitions) {
      window.call('ZRANGE', key('all', partition), '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1);
      window.call('ZRANGE', key('unapplied', partition), '-', '+', 'BYLEX', 'LIMIT', 0, 1);
    }
    return window.exec();
  };
}

export async function groupsRedis(profile: BenchProfile, redis: BenchRedis): Promise<Section> {
  const { client } = redis;
  const adapter = createRedisAdapter({ client }, { keyPrefix: KEY_PREFIX });
  await adapter.setup();
  const started: CheckpointGroup[] = [];
  const start = async (name: string): Promise<CheckpointGroup> => {
    const group = await adapter.groups.start(name, { pollIntervalMs: PARKED_POLL_MS });
    started.push(group);
    return group;
  };
  try {
    await verifyBulkLayout(adapter.groups, redisBulkHistory(client, KEY_PREFIX));
    const partitions = partitionNames(profile.groupPartitions);
    const rows: ComparisonRow[] = [];

    const round = await start('bench-round');
    await round.ensure(partitions);
    const roundRow = await compareRow(profile, {
      caseName: `advance ×${partitions.length} + commit + refresh (${partitions.length} partitions)`,
      concurrency: 1,
      ours: await countedRedisContender(
        'checkpointkit group',
        groupRound(round, partitions),
        redis,
        profile,
      ),
      baseline: await countedRedisContender(
        `raw: ${partitions.length} × EVALSHA (check max, ZADD), EVALSHA (move range), 1 pipeline of ${partitions.length * 2} ZRANGE`,
        await rawRound(redis, partitions),
        redis,
        profile,
      ),
    });
    rows.push(roundRow);

    const { small, large, notes } = await buildHistories(
      profile,
      partitions,
      start,
      redisBulkHistory(client, KEY_PREFIX),
      "written in bulk (batched ZADD into the adapter's keys)",
    );
    const smallSide = await countedRedisContender(
      `checkpointkit refresh, ${historyLabel(profile.groupHistorySmall)} applied`,
      () => small.refresh(),
      redis,
      profile,
    );
    const largeSide = await countedRedisContender(
      `checkpointkit refresh, ${historyLabel(profile.groupHistoryLarge)} applied`,
      () => large.refresh(),
      redis,
      profile,
    );
    rows.push(
      await compareRow(profile, {
        caseName: `refresh, ${historyLabel(profile.groupHistoryLarge)} vs ${historyLabel(profile.groupHistorySmall)} applied in history`,
        concurrency: 1,
        ours: largeSide,
        baseline: smallSide,
        target: (ratio) =>
          maximumCostFactor(
            2,
            `refresh at ${historyLabel(profile.groupHistorySmall)}`,
            1 / ratio,
            () =>
              refreshWhy(smallSide.requestsPerOp ?? 0, largeSide.requestsPerOp ?? 0, 'round trips'),
          ),
      }),
    );
    notes.unshift(
      roundNote(roundRow.ours.requestsPerOp ?? 0, largeSide.requestsPerOp ?? 1, 'round trips'),
    );
    notes.push(
      'The bulk writer is checked first: a small history built through the adapter (ensure, advance, commit) and one built in bulk must leave identical sets and windows, or the run fails.',
    );
    return {
      id: 'groups/redis',
      primitive: 'Checkpoint groups',
      backend: 'Redis',
      baselineNote:
        "for the round, the same client doing the same I/O at its minimum: per advance one EVALSHA that checks the partition's maximum and adds the timestamp, one EVALSHA that moves the committed range from unapplied to applied, and one pipeline of two ZRANGE seeks per partition for the window — no version counter, notification or window algorithm. For refresh, the baseline is our own refresh on the small history: the ratio is the cost of history length.",
      rows,
      notes,
    };
  } finally {
    for (const group of started) await group.stop();
    await adapter.close();
  }
}
