/**
 * Times one side of a comparison for a time budget or a fixed operation count, and reads the
 * wall clock around the timed phase: ops/s is operations per wall second.
 *
 * One caller: tinybench. Several: that many plain async loops sharing one counter. tinybench's
 * own task concurrency was measured here at a third to a fifth of the throughput of such loops on
 * the same client (raw EXISTS, 32 callers: 9–19k against 65–90k ops/s): its scheduling, not the
 * backend, would have been the bottleneck.
 */
import { Bench } from 'tinybench';

export type Budget =
  /** Run for `ms` (at least `minOperations`). */
  | { readonly kind: 'time'; readonly ms: number; readonly minOperations: number }
  /** Run exactly `operations`: both sides of a comparison then create the same number of keys. */
  | { readonly kind: 'count'; readonly operations: number };

export interface RunSettings {
  readonly concurrency: number;
  readonly budget: Budget;
  /** Operations before the timed phase (JIT, connection and statement caches). */
  readonly warmupOperations: number;
}

export interface TimedRun {
  readonly operations: number;
  readonly wallMs: number;
  readonly latenciesMs: readonly number[];
}

/** Latencies kept per run: enough for p99, bounded so a long run does not grow the heap (GC). */
const MAX_KEPT_LATENCIES = 20_000;

function keepSome(latenciesMs: readonly number[]): readonly number[] {
  if (latenciesMs.length <= MAX_KEPT_LATENCIES) return latenciesMs;
  const step = latenciesMs.length / MAX_KEPT_LATENCIES;
  return Array.from(
    { length: MAX_KEPT_LATENCIES },
    (_, i) => latenciesMs[Math.floor(i * step)] as number,
  );
}

export async function timeOperations(
  op: () => Promise<unknown>,
  settings: RunSettings,
): Promise<TimedRun> {
  const run =
    settings.concurrency > 1 ? await callerLoops(op, settings) : await oneCaller(op, settings);
  return { ...run, latenciesMs: keepSome(run.latenciesMs) };
}

async function callerLoops(op: () => Promise<unknown>, settings: RunSettings): Promise<TimedRun> {
  const { budget, concurrency } = settings;
  const loops = async (
    done: (count: number, elapsedMs: number) => boolean,
    latenciesMs: number[] | null,
  ) => {
    let started = 0;
    const startedMs = performance.now();
    const caller = async (): Promise<void> => {
      while (!done(started, performance.now() - startedMs)) {
        started++;
        const t0 = performance.now();
        await op();
        latenciesMs?.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, caller));
    return performance.now() - startedMs;
  };
  await loops((count) => count >= settings.warmupOperations, null);
  const latenciesMs: number[] = [];
  const wallMs = await loops(
    budget.kind === 'time'
      ? (count, elapsedMs) => elapsedMs >= budget.ms && count >= budget.minOperations
      : (count) => count >= budget.operations,
    latenciesMs,
  );
  return { operations: latenciesMs.length, wallMs, latenciesMs };
}

async function oneCaller(op: () => Promise<unknown>, settings: RunSettings): Promise<TimedRun> {
  const { budget } = settings;
  const bench = new Bench({
    time: budget.kind === 'time' ? budget.ms : 0,
    iterations: budget.kind === 'time' ? budget.minOperations : budget.operations,
    warmup: settings.warmupOperations > 0,
    warmupTime: 0,
    warmupIterations: settings.warmupOperations,
    retainSamples: true,
    throws: true,
  });
  let startedMs = 0;
  let endedMs = 0;
  bench.add('operation', op, {
    async: true,
    beforeAll(mode) {
      if (mode === 'run') startedMs = performance.now();
    },
    afterAll(mode) {
      if (mode === 'run') endedMs = performance.now();
    },
  });
  await bench.run();
  const task = bench.tasks[0];
  const result = task?.result;
  if (!task || !result || !('latency' in result)) {
    const error = result && 'error' in result ? result.error : undefined;
    throw new Error(`benchmark did not complete (${result?.state ?? 'no task'})`, {
      cause: error,
    });
  }
  const latenciesMs = result.latency.samples ?? [];
  return { operations: latenciesMs.length, wallMs: endedMs - startedMs, latenciesMs };
}
