/** The results of one run, as the report renders them and the smoke test checks them. */
import type { Measurement } from '../measure/measurement.js';

export type Backend = 'SQLite' | 'Redis' | 'Cloud Spanner' | 'Cloud Datastore';

export interface TargetOutcome {
  /** The target as the issue states it, e.g. "≥ 0.8× raw". */
  readonly text: string;
  /** What was measured against it, e.g. "0.91×" or "0.4% of the bytes". */
  readonly measured: string;
  readonly pass: boolean;
  /** Filled in when the target is missed: what the two sides do differently, measured. */
  readonly whyMissed?: string;
}

export interface ComparisonRow {
  /** The operation compared, e.g. "tryInsert". */
  readonly caseName: string;
  /** Concurrent callers in this process. */
  readonly concurrency: number;
  readonly ours: Measurement;
  readonly baseline: Measurement;
  /** ours ÷ baseline in ops/s (above 1: ours is faster). */
  readonly ratio: number;
  readonly target?: TargetOutcome;
}

export interface Section {
  /** Stable id, e.g. "run-once/sqlite": the smoke test looks every expected one up. */
  readonly id: string;
  readonly primitive: string;
  readonly backend: Backend;
  /** What the baseline (or the peer library) does, in one or two sentences. */
  readonly baselineNote: string;
  readonly rows: readonly ComparisonRow[];
  readonly notes?: readonly string[];
}

export interface BenchReport {
  readonly mode: 'full' | 'quick';
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly environment: readonly string[];
  readonly sections: readonly Section[];
}
