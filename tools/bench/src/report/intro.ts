/** The report's opening: how it was made, how to read it, what is not measured yet. */
import type { BenchReport } from './results.js';

export function reportIntro(report: BenchReport): string[] {
  const when = report.startedAt.toISOString().replace(/\.\d+Z$/, 'Z');
  const seconds = (report.durationMs / 1000).toFixed(0);
  return [
    `Every adapter against the raw driver doing the minimum, and against the peer libraries users would pick instead, measured side by side in one run. This file is written by \`pnpm bench\` (a ${report.mode} run, ${when}, ${seconds} s); \`pnpm bench -- --quick\` is the smoke run that \`pnpm test\` also executes (it writes to the OS temp dir).`,
    '',
    "**How to read it.** *ops/s* is operations per wall-clock second with the given number of concurrent callers (async loops in one process); *p50/p99* are per-call latencies. *ratio* = our ops/s ÷ the baseline's ops/s, both measured in the same process against the same server or file system, in alternating rounds (baseline, ours, ours, baseline, …) so that load from other work on the machine falls on both. *round trips/op* (Redis) counts what the client sent, a pipeline or MULTI counted once; *statements/op* (SQLite, in-process: no round trips) counts statements executed, on a second, instrumented connection in a separate pass. *RPCs/op* (Spanner, Datastore) counts the data-plane RPCs the Google Cloud client sent (Spanner: ExecuteStreamingSql, BeginTransaction, Commit, …; Datastore: Lookup, RunQuery, BeginTransaction, Commit, …), on the client both sides share. *CPU/op* (Redis notes) is this process's CPU time and redis-server's main-thread CPU time per call, from a short sequential pass: with 32 callers on one connection the bench process, not the network, is usually what runs out. Targets are the ones the benchmark issue set; a missed target is reported with what the two sides do differently, and no baseline is tuned to make a target pass.",
    '',
    "**Backends.** SQLite and Redis on a real server and file; Cloud Spanner and Cloud Datastore on their emulators from the Google Cloud SDK, started by the bench on loopback. **Emulator timings are not production's**: an emulator is one local process without the service's replication, network hops or storage, and it is slower than the service at some things and faster at others. For those rows only the ratio means something — ours and the raw transaction doing the same reads and writes by hand, on the same emulator, in alternating rounds — and even a ratio there overweights client-side work, because every RPC is cheap on loopback. The Spanner emulator runs one read-write transaction per database at a time (it aborts any that overlaps another), so its rows have 1 caller only.",
  ];
}
