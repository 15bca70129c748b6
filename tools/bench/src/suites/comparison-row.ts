/** One table row: ours against its baseline, interleaved, with the ratio and the row's target. */
import type { Contender } from '../measure/contender.js';
import { measureInterleaved, type Pair } from '../measure/interleaved.js';
import type { Budget } from '../measure/timed-run.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, TargetOutcome } from '../report/results.js';

export interface RowSpec {
  readonly caseName: string;
  readonly concurrency: number;
  readonly ours: Contender;
  readonly baseline: Contender;
  /** Default: the profile's time budget per round. */
  readonly budget?: Budget;
  /** Default: the profile's warm-up operations. */
  readonly warmupOperations?: number;
  readonly target?: (ratio: number, pair: Pair) => TargetOutcome;
}

export function timeBudget(profile: BenchProfile): Budget {
  return { kind: 'time', ms: profile.roundMs, minOperations: profile.minOperationsPerRound };
}

export async function compareRow(profile: BenchProfile, spec: RowSpec): Promise<ComparisonRow> {
  const pair = await measureInterleaved(spec.ours, spec.baseline, {
    concurrency: spec.concurrency,
    rounds: profile.rounds,
    budget: spec.budget ?? timeBudget(profile),
    warmupOperations: spec.warmupOperations ?? profile.warmupOperations,
  });
  return rowOf(spec.caseName, spec.concurrency, pair, spec.target);
}

export function rowOf(
  caseName: string,
  concurrency: number,
  pair: Pair,
  target?: (ratio: number, pair: Pair) => TargetOutcome,
): ComparisonRow {
  const ratio = pair.ours.opsPerSec / pair.baseline.opsPerSec;
  return {
    caseName,
    concurrency,
    ...pair,
    ratio,
    ...(target ? { target: target(ratio, pair) } : {}),
  };
}
