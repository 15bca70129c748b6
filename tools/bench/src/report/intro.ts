/** The report's opening: how it was made, how to read it, what is not measured yet. */
import type { BenchReport } from './results.js';

export function reportIntro(report: BenchReport): string[] {
  const when = report.startedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const seconds = (report.durationMs / 1000).toFixed(0);
  return [
    `Every adapter against the raw driver doing the minimum, and against the peer libraries users would pick instead, measured side by side in one run. This file is written by \`pnpm bench\` (a ${report.mode} run, ${when}, ${seconds} s); \`pnpm bench -- --quick\` is the smoke run that \`pnpm test\` also executes (it writes to the OS temp dir).`,
    '',
    "**How to read it.** *ops/s* is operations per wall-clock second with the given number of concurrent callers (async loops in one process); *p50/p99* are per-call latencies. *ratio* = our ops/s ÷ the baseline's ops/s, both measured in the same process against the same server or file system, in alternating rounds (baseline, ours, ours, baseline, …) so that load from other work on the machine falls on both. *round trips/op* (Redis) counts what the client sent, a pipeline or MULTI counted once; *statements/op* (SQLite, in-process: no round trips) counts statements executed, on a second, instrumented connection in a separate pass. *CPU/op* (Redis notes) is this process's CPU time and redis-server's main-thread CPU time per call, from a short sequential pass: with 32 callers on one connection the bench process, not the network, is usually what runs out. Targets are the ones the benchmark issue set; a missed target is reported with what the two sides do differently, and no baseline is tuned to make a target pass.",
    '',
    '**Backends.** SQLite and Redis, the adapters that exist. Cloud Spanner and Cloud Datastore rows (a raw read-write transaction with one read and one write as their baseline) come with their adapters.',
  ];
}
