/**
 * What an adapter implements for checkpoint groups: per (group, partition) a set of timestamps,
 * each applied or not, indexed so that a summary needs a few seeks rather than a history scan.
 * Names and partitions arrive already canonical. composeAdapter refuses calls after close and
 * retries TransactionAbortedError (see AdapterBackends in ../adapter.ts).
 */

import { TimestampRegressionError } from '../errors.js';
import { compareHlc, formatHlc, type Hlc, type HlcRange } from '../hlc.js';
import type { PartitionSummary } from './window.js';

export interface GroupBackend {
  /** For each partition with no timestamps, records HLC_ORIGIN as applied. One atomic step. */
  ensure(group: string, partitions: readonly string[]): Promise<void>;
  /**
   * One atomic step: `checkAdvance(partition, currentMax, ts)` and, when it says so, records `ts`
   * unapplied. Notifies watchers in other processes if the backend can.
   */
  advance(group: string, partition: string, ts: Hlc): Promise<void>;
  /** Marks every unapplied timestamp of the group in [min, max) applied; notifies watchers. */
  commit(group: string, range: HlcRange): Promise<void>;
  /** One summary per partition that has timestamps (see ./window.ts). */
  summaries(group: string, lookahead: number | undefined): Promise<PartitionSummary[]>;
  /** Deletes applied timestamps strictly below each partition's cutoff; returns how many. */
  prune(
    group: string,
    cutoffs: readonly { readonly partition: string; readonly below: Hlc }[],
  ): Promise<number>;
  /** Groups with at least one unapplied timestamp, byte-wise order. */
  unresolvedGroups(): Promise<string[]>;
  /**
   * Optional change notification across processes (Redis pub/sub, …): calls `onChange` soon
   * after any process's advance/commit on `group`, once `summaries` can see the change.
   * Resolves to an unsubscribe function. `onChange` may be called synchronously, from inside the
   * write (an EventEmitter.emit in advance/commit): it never throws, and the refresh it asks for
   * starts in a later macrotask, after the write's promise has settled through its microtasks.
   * Without subscribe, other processes' changes are seen on the poll (pollIntervalMs).
   */
  subscribe?(group: string, onChange: () => void): Promise<() => Promise<void>>;
}

/** The advance rule: true to record `ts`, false for a duplicate of the maximum; throws on regression. */
export function checkAdvance(partition: string, currentMax: Hlc | null, ts: Hlc): boolean {
  if (currentMax === null) return true;
  const order = compareHlc(ts, currentMax);
  if (order < 0) {
    throw new TimestampRegressionError({
      partition,
      proposed: formatHlc(ts),
      current: formatHlc(currentMax),
    });
  }
  return order > 0;
}
