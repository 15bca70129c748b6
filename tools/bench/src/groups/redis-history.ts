/**
 * A group's applied history written straight into the Redis adapter's keys (README "Key layout":
 * per partition number n, ZSETs `all:<n>` and `applied:<n>` of core's hlcSortKey, score 0) with
 * batched ZADDs, then the group's version bumped: a million adapter `advance` calls are a million
 * scripts. `verifyRedisBulkLayout` proves the shortcut writes exactly what the adapter writes.
 */
import { type CheckpointGroups, encodeKeyPart, formatHlc, hlcSortKey } from '@checkpointkit/core';
import type { Redis } from 'ioredis';
import { adapterHistory, historyTs, unappliedTail } from './history.js';
import { PARKED_POLL_MS } from './parked-poll.js';

const ZADD_BATCH = 10_000;

const groupKey = (keyPrefix: string, group: string, rest: string): string =>
  `${keyPrefix}:{g:${encodeKeyPart(group)}}:${rest}`;

/** Call after the adapter's `ensure` (it numbers the partitions and writes the origins). */
export async function bulkRedisHistory(
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

async function storedSets(client: Redis, keyPrefix: string, group: string): Promise<string> {
  const partitions = await client.hgetall(groupKey(keyPrefix, group, 'partitions'));
  const lines: string[] = [];
  for (const [partition, n] of Object.entries(partitions).sort()) {
    for (const set of ['all', 'applied', 'unapplied']) {
      const members = await client.zrange(groupKey(keyPrefix, group, `${set}:${n}`), '0', '-1');
      lines.push(`${partition} ${set} ${members.join(',')}`);
    }
  }
  return lines.join('\n');
}

/** Builds one small history both ways and throws unless keys and windows are identical. */
export async function verifyRedisBulkLayout(
  groups: CheckpointGroups,
  client: Redis,
  keyPrefix: string,
): Promise<void> {
  const partitions = ['a', 'b', 'c'];
  const perPartition = 20;
  const viaAdapter = await groups.start('verify-adapter', { pollIntervalMs: PARKED_POLL_MS });
  await adapterHistory(viaAdapter, partitions, perPartition);
  await unappliedTail(viaAdapter, partitions, perPartition);
  const viaBulk = await groups.start('verify-bulk', { pollIntervalMs: PARKED_POLL_MS });
  await viaBulk.ensure(partitions);
  await bulkRedisHistory(client, keyPrefix, 'verify-bulk', partitions, perPartition);
  await unappliedTail(viaBulk, partitions, perPartition);
  const a = await storedSets(client, keyPrefix, 'verify-adapter');
  const b = await storedSets(client, keyPrefix, 'verify-bulk');
  const [wa, wb] = [await viaAdapter.refresh(), await viaBulk.refresh()];
  await viaAdapter.stop();
  await viaBulk.stop();
  const windows = (w: typeof wa): string => `${formatHlc(w.min)}..${formatHlc(w.max)}`;
  if (a !== b || windows(wa) !== windows(wb) || !a.includes(hlcSortKey(historyTs(1)))) {
    throw new Error(
      `the bulk history does not match the adapter's (windows ${windows(wa)} vs ${windows(wb)})`,
    );
  }
}
