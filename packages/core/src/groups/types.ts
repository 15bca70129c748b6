/** Checkpoint groups: the public API of the contract, §3 (docs/contract.md). */
import type { Hlc, HlcRange } from '../hlc.js';

export interface GroupStartOptions {
  /** Keep at most lookahead + 1 timestamps of a dirty partition's run in the window. */
  readonly lookahead?: number;
  /** How often other processes' advance/commit are picked up without notification; default 1000. */
  readonly pollIntervalMs?: number;
  /** Background refresh failures (the last good bounds are kept). */
  readonly onError?: (error: unknown) => void;
}

export interface CheckpointGroups {
  start(name: string, options?: GroupStartOptions): Promise<CheckpointGroup>;
  /** Canonical names of groups that have unapplied timestamps, byte-wise order. */
  scanUnresolved(): Promise<string[]>;
}

export interface CheckpointGroup {
  /** Canonical (lower-case) name. */
  readonly name: string;
  /** Gives each new partition an applied checkpoint at HLC_ORIGIN; existing partitions are untouched. */
  ensure(partitions: readonly string[]): Promise<void>;
  /** Proposes `ts` for the partition. Equal to its maximum: accepted; lower: TimestampRegressionError. */
  advance(partition: string, ts: Hlc): Promise<void>;
  /** Marks every unapplied timestamp of the group in [min, max) as applied. Idempotent. */
  commit(range: HlcRange): Promise<void>;
  /** The last computed window. */
  bounds(): HlcRange;
  /** Recomputes the window now; on failure keeps the last good bounds and rejects. */
  refresh(): Promise<HlcRange>;
  /** The current window, then every change, coalesced: a slow consumer sees only the newest. */
  watch(options?: { readonly signal?: AbortSignal }): AsyncIterable<HlcRange>;
  /** Deletes applied history that no window can depend on any more; returns how many timestamps. */
  prune(): Promise<number>;
  /** Stops polling and notifications and ends every watch(). */
  stop(): Promise<void>;
  /** The most recent background refresh failure, cleared by the next success. */
  readonly lastError: unknown;
}
