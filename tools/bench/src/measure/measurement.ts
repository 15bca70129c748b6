/** What a table row shows for one side: throughput, latency percentiles, requests per operation. */
import type { TimedRun } from './timed-run.js';

export interface Measurement {
  /** What ran, as the table names it ("checkpointkit runOnce", "raw: SET NX PX", …). */
  readonly label: string;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly operations: number;
  /** Redis round trips or SQLite statements per operation; null where not counted. */
  readonly requestsPerOp: number | null;
  /** Backend-specific figures (commands per op, bytes written, peak RSS, …), shown as notes. */
  readonly details: readonly string[];
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}

/** One Measurement from the runs of all rounds: total operations over total wall time. */
export function summarizeRuns(
  label: string,
  runs: readonly TimedRun[],
  requestsPerOp: number | null,
  details: readonly string[] = [],
): Measurement {
  const operations = runs.reduce((sum, run) => sum + run.operations, 0);
  const wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
  const sorted = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
  return {
    label,
    opsPerSec: wallMs > 0 ? (operations * 1000) / wallMs : Number.NaN,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    operations,
    requestsPerOp,
    details,
  };
}
