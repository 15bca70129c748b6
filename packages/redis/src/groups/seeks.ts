/**
 * core's PartitionSeeks over one partition's three ZSETs of sort keys (all, applied, unapplied;
 * all scores 0, so ZRANGE BYLEX walks them in time order). Each seek is one O(log n) ZRANGE, so
 * a window costs a handful of seeks per partition, whatever the length of the history.
 */
import { type Hlc, hlcFromSortKey, hlcSortKey, type PartitionSeeks } from '@checkpointkit/core';
import type { RedisClient } from '../connection.js';
import { redisCall } from '../errors.js';
import type { KeyLayout } from '../key-layout.js';

export function partitionSeeks(
  client: RedisClient,
  layout: KeyLayout,
  group: string,
  partition: number,
): PartitionSeeks {
  const all = layout.groupTimestamps(group, 'all', partition);
  const applied = layout.groupTimestamps(group, 'applied', partition);
  const unapplied = layout.groupTimestamps(group, 'unapplied', partition);
  const first = async (key: string, ...range: (string | number)[]): Promise<Hlc | null> => {
    const found = (await redisCall('group window', () =>
      client.call('ZRANGE', key, ...range),
    )) as string[];
    return found.length === 0 ? null : hlcFromSortKey(found[0] as string);
  };
  return {
    last: () => first(all, '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1),
    firstUnapplied: () => first(unapplied, '-', '+', 'BYLEX', 'LIMIT', 0, 1),
    firstAppliedAfter: (ts) => first(applied, `(${hlcSortKey(ts)}`, '+', 'BYLEX', 'LIMIT', 0, 1),
    lastBefore: (ts) => first(all, `(${hlcSortKey(ts)}`, '-', 'BYLEX', 'REV', 'LIMIT', 0, 1),
    nthFrom: (from, offset) => first(all, `[${hlcSortKey(from)}`, '+', 'BYLEX', 'LIMIT', offset, 1),
  };
}
