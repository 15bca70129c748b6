/**
 * A group's applied history written straight into the Redis adapter's keys (README "Key layout":
 * per partition number n, ZSETs `all:<n>` and `applied:<n>` of core's hlcSortKey, score 0) with
 * batched ZADDs, then the group's version bumped: a million adapter `advance` calls are a million
 * scripts. `verifyBulkLayout` (./build-histories.ts) proves the shortcut writes exactly what the adapter writes.
 */
import { encodeKeyPart, hlcSortKey } from '@checkpointkit/core';
import type { Redis } from 'ioredis';
import type { BulkHistory } from './build-histories.js';
import { historyTs } from './history.js';

const ZADD_BATCH = 10_000;

const groupKey = (keyPrefix: string, group: string, rest: string): string =>
  `${keyPrefix}:{g:${encodeKeyPart(group)}}:${rest}`;

/** Call after the adapter's `ensure` (it numbers the partitions and writes the origins). */
async function bulkRedisHistory(
  client: Redis,
  keyPrefix: string,
  group: string,
  partitions: readonly string[],
  perPartition: number,
): Promise<void> {
  for (const partition of partitions) {
    const n = await client.hget(groupKey(keyPrefix, group, 'partitions'), partition);
    if (n === null) throw new Error(`partition ${partition} of ${group} was not ensured`);
    for (let start = 1; start <= perPartition; start += ZADD_BATCH) {
      const members: (string | number)[] = [];
      for (let i = start; i < Math.min(start + ZADD_BATCH, perPartition + 1); i++) {
        members.push(0, hlcSortKey(historyTs(i)));
      }
      await client
        .pipeline()
        .zadd(groupKey(keyPrefix, group, `all:${n}`), ...members)
        .zadd(groupKey(keyPrefix, group, `applied:${n}`), ...members)
        .exec();
    }
  }
  await client.incr(groupKey(keyPrefix, group, 'version'));
}

async function storedSets(client: Redis, keyPrefix: string, group: string): Promise<string[]> {
  const partitions = await client.hgetall(groupKey(keyPrefix, group, 'partitions'));
  const lines: string[] = [];
  for (const [partition, n] of Object.entries(partitions).sort()) {
    for (const set of ['all', 'applied', 'unapplied']) {
      const members = await client.zrange(groupKey(keyPrefix, group, `${set}:${n}`), '0', '-1');
      lines.push(`${partition} ${set}`, ...members);
    }
  }
  return lines;
}

/** The bulk shortcut for the Redis adapter, for buildHistories and verifyBulkLayout. */
export function redisBulkHistory(client: Redis, keyPrefix: string): BulkHistory {
  return {
    write: (group, partitions, perPartition) =>
      bulkRedisHistory(client, keyPrefix, group, partitions, perPartition),
    stored: (group) => storedSets(client, keyPrefix, group),
    firstApplied: hlcSortKey(historyTs(1)),
  };
}
