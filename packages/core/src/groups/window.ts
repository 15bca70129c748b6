/**
 * The resolved-timestamp window (the contract, §3, in docs/contract.md), as pure functions. A
 * partition's timestamps, in ascending order, are each applied or not:
 *
 *   clean (nothing unapplied)  max_p = highest timestamp
 *   dirty, u = first unapplied min_p = highest applied below u (origin if none)
 *                              run   = from min_p (or the first timestamp) up to, not including,
 *                                      the first applied timestamp after u (or to the end);
 *                                      with lookahead L only its first L + 1 timestamps
 *                              max_p = highest timestamp kept
 *
 *   common = min over partitions of max_p
 *   window = [min of min_p, min of max_p] over dirty partitions with max_p <= common,
 *            else [common, common]; (origin, origin) for a group without partitions.
 *
 * Adapters produce one PartitionSummary per partition, either with `summarizePartition` over the
 * timestamps or with `summarizeBySeeks` over a handful of index seeks (no history scan).
 */
import { compareHlc, HLC_ORIGIN, type Hlc, minHlc } from '../hlc.js';

export interface TimestampEntry {
  readonly ts: Hlc;
  readonly applied: boolean;
}

export type PartitionSummary =
  | { readonly partition: string; readonly dirty: false; readonly max: Hlc }
  | { readonly partition: string; readonly dirty: true; readonly min: Hlc; readonly max: Hlc };

export interface ResolvedWindow {
  readonly lo: Hlc;
  readonly hi: Hlc;
}

/** `entries` ascending by ts, one per timestamp. Null for a partition with no timestamps. */
export function summarizePartition(
  partition: string,
  entries: readonly TimestampEntry[],
  lookahead?: number,
): PartitionSummary | null {
  if (entries.length === 0) return null;
  const u = entries.findIndex((e) => !e.applied);
  if (u === -1)
    return { partition, dirty: false, max: (entries[entries.length - 1] as TimestampEntry).ts };
  // Everything before the first unapplied timestamp is applied, so the highest applied one
  // below it is simply its predecessor.
  const start = u > 0 ? u - 1 : u;
  const min = u > 0 ? (entries[u - 1] as TimestampEntry).ts : HLC_ORIGIN;
  let end = entries.length;
  for (let i = u + 1; i < entries.length; i++) {
    if ((entries[i] as TimestampEntry).applied) {
      end = i;
      break;
    }
  }
  const lastKept = lookahead === undefined ? end - 1 : Math.min(start + lookahead, end - 1);
  return { partition, dirty: true, min, max: (entries[lastKept] as TimestampEntry).ts };
}

/** Index seeks over one partition's timestamps; each returns null when there is no such entry. */
export interface PartitionSeeks {
  last(): Promise<Hlc | null>;
  firstUnapplied(): Promise<Hlc | null>;
  firstAppliedAfter(ts: Hlc): Promise<Hlc | null>;
  /** Highest timestamp strictly below `ts`. */
  lastBefore(ts: Hlc): Promise<Hlc | null>;
  /** The timestamp `offset` places after `from` (offset 0 = `from` itself, which exists). */
  nthFrom(from: Hlc, offset: number): Promise<Hlc | null>;
}

/** summarizePartition with at most five seeks, whatever the size of the history. */
export async function summarizeBySeeks(
  partition: string,
  seeks: PartitionSeeks,
  lookahead?: number,
): Promise<PartitionSummary | null> {
  const u = await seeks.firstUnapplied();
  if (!u) {
    const max = await seeks.last();
    return max ? { partition, dirty: false, max } : null;
  }
  const appliedBelow = await seeks.lastBefore(u);
  const min = appliedBelow ?? HLC_ORIGIN;
  const stop = await seeks.firstAppliedAfter(u);
  const runEnd = (stop ? await seeks.lastBefore(stop) : await seeks.last()) as Hlc;
  if (lookahead === undefined) return { partition, dirty: true, min, max: runEnd };
  const candidate = await seeks.nthFrom(appliedBelow ?? u, lookahead);
  const max = candidate === null ? runEnd : minHlc(candidate, runEnd);
  return { partition, dirty: true, min, max };
}

export function resolvedWindow(summaries: readonly PartitionSummary[]): ResolvedWindow {
  if (summaries.length === 0) return { lo: HLC_ORIGIN, hi: HLC_ORIGIN };
  let common = (summaries[0] as PartitionSummary).max;
  for (const s of summaries) common = minHlc(common, s.max);
  let lo: Hlc | null = null;
  let hi: Hlc | null = null;
  for (const s of summaries) {
    if (!s.dirty || compareHlc(s.max, common) > 0) continue;
    lo = lo ? minHlc(lo, s.min) : s.min;
    hi = hi ? minHlc(hi, s.max) : s.max;
  }
  return lo && hi ? { lo, hi } : { lo: common, hi: common };
}

/**
 * Per partition, the timestamp below which its history no longer matters to any window: the
 * run start of a dirty partition, the maximum of a clean one — and never above the group's `lo`.
 */
export function pruneCutoffs(
  summaries: readonly PartitionSummary[],
  lo: Hlc,
): { partition: string; below: Hlc }[] {
  return summaries.map((s) => ({
    partition: s.partition,
    below: minHlc(lo, s.dirty ? s.min : s.max),
  }));
}
