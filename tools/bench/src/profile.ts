/**
 * How long and how big: the full run that regenerates docs/benchmarks.md, and the quick smoke
 * run (CI, `pnpm test`) that exercises every table with tiny budgets. Nothing else decides sizes.
 */
export type BenchMode = 'full' | 'quick';

export interface BenchProfile {
  readonly mode: BenchMode;
  /** Interleaved rounds per comparison (ABBA order), each side `roundMs` per round. */
  readonly rounds: number;
  readonly roundMs: number;
  readonly minOperationsPerRound: number;
  readonly warmupOperations: number;
  /**
   * Warm-up of the Spanner and Datastore rows: their calls take milliseconds on the emulators, so
   * a few dozen warm the JIT and the sessions where `warmupOperations` would take many seconds.
   */
  readonly emulatorWarmupOperations: number;
  /** Sequential operations of each requests-per-operation pass. */
  readonly countingOperations: number;
  /** Length of each CPU-per-operation pass (Redis: client and server CPU), sequential calls. */
  readonly cpuSampleMs: number;
  /** Powertools comparison: a fixed count per side and round, so both sides create as many keys. */
  readonly powertoolsOperationsPerRound: number;
  readonly groupPartitions: number;
  /** Applied timestamps in a group's history, for the refresh-cost comparison. */
  readonly groupHistorySmall: number;
  readonly groupHistoryLarge: number;
  /** Full-load sizes of node state. */
  readonly nodeLoadMiB: readonly number[];
  /** Size of the state that the 1-byte edit changes. */
  readonly nodeEditMiB: number;
  /** Sizes of the state for get() on a cache hit. */
  readonly nodeCachedMiB: readonly number[];
  /** Time per node-state child (one side of one scenario). */
  readonly nodeRunMs: number;
  readonly nodeMinOperations: number;
}

export const FULL_PROFILE: BenchProfile = {
  mode: 'full',
  rounds: 4,
  roundMs: 1_000,
  minOperationsPerRound: 20,
  warmupOperations: 200,
  emulatorWarmupOperations: 20,
  countingOperations: 50,
  cpuSampleMs: 400,
  powertoolsOperationsPerRound: 2_000,
  groupPartitions: 16,
  groupHistorySmall: 1_000,
  groupHistoryLarge: 1_000_000,
  nodeLoadMiB: [1, 16, 64],
  nodeEditMiB: 64,
  nodeCachedMiB: [1, 64],
  nodeRunMs: 2_500,
  nodeMinOperations: 5,
};

export const QUICK_PROFILE: BenchProfile = {
  mode: 'quick',
  rounds: 2,
  roundMs: 40,
  minOperationsPerRound: 5,
  warmupOperations: 10,
  emulatorWarmupOperations: 3,
  countingOperations: 5,
  cpuSampleMs: 20,
  powertoolsOperationsPerRound: 50,
  groupPartitions: 16,
  groupHistorySmall: 100,
  groupHistoryLarge: 5_000,
  nodeLoadMiB: [1, 2],
  nodeEditMiB: 8,
  nodeCachedMiB: [1],
  nodeRunMs: 50,
  nodeMinOperations: 2,
};
