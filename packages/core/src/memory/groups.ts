/**
 * Checkpoint groups in memory: table "groupPartitions", key = encodeKey(group, partition), row =
 * the partition's applied and unapplied timestamps as two ascending arrays of hlcSortKey strings.
 * Summaries use binary-search seeks (summarizeBySeeks), not a scan of the history.
 */
import { compareUtf8 } from '../bytes.js';
import { checkAdvance, type GroupBackend } from '../groups/backend.js';
import { type PartitionSeeks, type PartitionSummary, summarizeBySeeks } from '../groups/window.js';
import { HLC_ORIGIN, type Hlc, hlcFromSortKey, hlcSortKey } from '../hlc.js';
import { decodeKey, encodeKey, encodeKeyPart } from '../key-encoding.js';
import type { MemoryRows, MemoryStore } from './memory-store.js';

const TABLE = 'groupPartitions';

interface PartitionRow {
  readonly applied: readonly string[];
  readonly unapplied: readonly string[];
}

/** Index of the first element > key (upper bound) in an ascending array. */
function upperBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element >= key (lower bound). */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const later = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : a > b ? a : b;
const toHlc = (key: string | undefined): Hlc | null =>
  key === undefined ? null : hlcFromSortKey(key);

function seeksOver(row: PartitionRow): PartitionSeeks {
  const { applied, unapplied } = row;
  return {
    last: async () => toHlc(later(applied.at(-1), unapplied.at(-1))),
    firstUnapplied: async () => toHlc(unapplied[0]),
    firstAppliedAfter: async (ts) => toHlc(applied[upperBound(applied, hlcSortKey(ts))]),
    lastBefore: async (ts) => {
      const key = hlcSortKey(ts);
      return toHlc(
        later(applied[lowerBound(applied, key) - 1], unapplied[lowerBound(unapplied, key) - 1]),
      );
    },
    nthFrom: async (from, offset) => {
      // Walk both arrays in merged order from `from`: offset steps, offset is the small lookahead.
      const key = hlcSortKey(from);
      let i = lowerBound(applied, key);
      let j = lowerBound(unapplied, key);
      let current: string | undefined;
      for (let step = 0; step <= offset; step++) {
        const a = applied[i];
        const u = unapplied[j];
        if (a === undefined && u === undefined) return null;
        if (u === undefined || (a !== undefined && a < u)) {
          current = a;
          i++;
        } else {
          current = u;
          j++;
        }
      }
      return toHlc(current);
    },
  };
}

function partitionsOf(rows: MemoryRows, group: string): [string, PartitionRow][] {
  const prefix = `${encodeKeyPart(group)}:`;
  return rows
    .entries<PartitionRow>(TABLE)
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, row]): [string, PartitionRow] => [decodeKey(key)[1] as string, row])
    .sort(([a], [b]) => compareUtf8(a, b));
}

export function memoryGroups(store: MemoryStore): GroupBackend {
  const notify = (group: string): void => {
    store.events.emit(`group:${group}`);
  };
  return {
    ensure(group, partitions) {
      return store.transaction((rows) => {
        for (const p of partitions) {
          const key = encodeKey([group, p]);
          if (!rows.get(TABLE, key))
            rows.put(TABLE, key, { applied: [hlcSortKey(HLC_ORIGIN)], unapplied: [] });
        }
      });
    },
    async advance(group, partition, ts) {
      await store.transaction((rows) => {
        const key = encodeKey([group, partition]);
        const row = rows.get<PartitionRow>(TABLE, key) ?? { applied: [], unapplied: [] };
        const max = later(row.applied.at(-1), row.unapplied.at(-1));
        // Above the maximum, so it goes at the end of the unapplied ones.
        if (checkAdvance(partition, toHlc(max), ts))
          rows.put(TABLE, key, { ...row, unapplied: [...row.unapplied, hlcSortKey(ts)] });
      });
      notify(group);
    },
    async commit(group, range) {
      const min = hlcSortKey(range.min);
      const max = hlcSortKey(range.max);
      await store.transaction((rows) => {
        for (const [partition, row] of partitionsOf(rows, group)) {
          const moving = row.unapplied.filter((k) => k >= min && k < max);
          if (moving.length === 0) continue;
          rows.put(TABLE, encodeKey([group, partition]), {
            applied: [...row.applied, ...moving].sort(),
            unapplied: row.unapplied.filter((k) => !(k >= min && k < max)),
          });
        }
      });
      notify(group);
    },
    async summaries(group, lookahead) {
      const partitions = await store.read((rows) => partitionsOf(rows, group));
      const summaries = await Promise.all(
        partitions.map(([p, row]) => summarizeBySeeks(p, seeksOver(row), lookahead)),
      );
      return summaries.filter((s): s is PartitionSummary => s !== null);
    },
    prune(group, cutoffs) {
      return store.transaction((rows) => {
        let pruned = 0;
        for (const { partition, below } of cutoffs) {
          const key = encodeKey([group, partition]);
          const row = rows.get<PartitionRow>(TABLE, key);
          if (!row) continue;
          const keep = lowerBound(row.applied, hlcSortKey(below));
          if (keep === 0) continue;
          pruned += keep;
          rows.put(TABLE, key, { ...row, applied: row.applied.slice(keep) });
        }
        return pruned;
      });
    },
    unresolvedGroups: () =>
      store.read((rows) => {
        const groups = new Set<string>();
        for (const [key, row] of rows.entries<PartitionRow>(TABLE)) {
          if (row.unapplied.length > 0) groups.add(decodeKey(key)[0] as string);
        }
        return [...groups].sort(compareUtf8);
      }),
    async subscribe(group, onChange) {
      const event = `group:${group}`;
      store.events.on(event, onChange);
      return async () => {
        store.events.off(event, onChange);
      };
    },
  };
}
