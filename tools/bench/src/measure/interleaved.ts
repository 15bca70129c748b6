/**
 * Ours against the baseline in one process, on one server, in alternating rounds (ABBA): on a
 * shared, noisy machine a load spike then hits both sides instead of deciding the ratio.
 */
import type { Contender } from './contender.js';
import { type Measurement, summarizeRuns } from './measurement.js';
import { type Budget, type TimedRun, timeOperations } from './timed-run.js';

export interface InterleavedSettings {
  readonly concurrency: number;
  readonly rounds: number;
  /** Per side and round. */
  readonly budget: Budget;
  readonly warmupOperations: number;
}

export interface Pair {
  readonly ours: Measurement;
  readonly baseline: Measurement;
}

export async function measureInterleaved(
  ours: Contender,
  baseline: Contender,
  settings: InterleavedSettings,
): Promise<Pair> {
  const runs = { ours: [] as TimedRun[], baseline: [] as TimedRun[] };
  const run = async (side: 'ours' | 'baseline', warmupOperations: number): Promise<void> => {
    const contender = side === 'ours' ? ours : baseline;
    runs[side].push(
      await timeOperations(contender.op, {
        concurrency: settings.concurrency,
        budget: settings.budget,
        warmupOperations,
      }),
    );
  };
  for (let round = 0; round < settings.rounds; round++) {
    // Warm up in the first round only; later rounds find warm caches on both sides.
    const warmup = round === 0 ? settings.warmupOperations : 0;
    const order: ('ours' | 'baseline')[] =
      round % 2 === 0 ? ['baseline', 'ours'] : ['ours', 'baseline'];
    for (const side of order) await run(side, warmup);
  }
  return {
    ours: summarizeRuns(ours.label, runs.ours, ours.requestsPerOp, ours.details),
    baseline: summarizeRuns(
      baseline.label,
      runs.baseline,
      baseline.requestsPerOp,
      baseline.details,
    ),
  };
}
