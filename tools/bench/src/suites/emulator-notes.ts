/**
 * What the Spanner and Datastore sections say about their emulators, once: the caveat every such
 * section carries, and the reason a missed target gives, built from what the row measured.
 */
import type { Adapter } from '@checkpointkit/core';
import type { RpcCounter } from '../counting/google-rpcs.js';
import { countedRpcContender } from '../counting/rpc-sides.js';
import type { Contender } from '../measure/contender.js';
import type { Pair } from '../measure/interleaved.js';
import type { BenchProfile } from '../profile.js';
import { formatMs, formatPerOp } from '../report/format.js';
import type { ComparisonRow } from '../report/results.js';
import { minimumRatio } from '../report/targets.js';
import { compareRow } from './comparison-row.js';
import { oursOp } from './operations-sqlite.js';

export const EMULATOR_CAVEAT =
  "Emulator timings are not production's: the emulator is a single local process with none of the service's replication, network or storage costs, and its latencies differ from the service's in both directions. Read the ratio (both sides on the same emulator, in alternating rounds), not the ops/s.";

/**
 * Why ours is slower than the raw side, from the row: RPCs per call on each side, the median
 * latencies, what the extra RPCs cost at the raw side's measured time per RPC, and what ours does
 * besides (`oursAlsoDoes`, a clause).
 */
export function emulatorWhyMissed(pair: Pair, oursAlsoDoes: string): string {
  const { ours, baseline } = pair;
  const extraMsPerCall = 1000 / ours.opsPerSec - 1000 / baseline.opsPerSec;
  const oursRpcs = ours.requestsPerOp ?? Number.NaN;
  const rawRpcs = baseline.requestsPerOp ?? Number.NaN;
  const msPerRpc = 1000 / baseline.opsPerSec / rawRpcs;
  const extraRpcs = oursRpcs - rawRpcs;
  const rpcMs = extraRpcs * msPerRpc;
  const rest =
    rpcMs >= extraMsPerCall ? 'that is all of it' : "the rest is ours' own work around them";
  const rpcs =
    extraRpcs > 0
      ? `At the raw side's ${msPerRpc.toFixed(2)} ms per RPC (its mean time per call ÷ its RPCs), ours' ${formatPerOp(extraRpcs)} extra RPC(s) account for about ${rpcMs.toFixed(2)} ms of that: ${rest}.`
      : 'The RPC count is the same, so the difference is the work around the RPCs (and what the emulator does with each).';
  return `ours sends ${formatPerOp(ours.requestsPerOp)} RPCs per call where the raw side sends ${formatPerOp(baseline.requestsPerOp)}; p50 ${formatMs(ours.p50Ms)} ms against ${formatMs(baseline.p50Ms)} ms, and ${extraMsPerCall.toFixed(2)} ms more per call on average (from ops/s). ${rpcs} Ours ${oursAlsoDoes}. Measured per call — ours: ${ours.details.join('; ')}; raw: ${baseline.details.join('; ')}.`;
}

/**
 * An emulator row: ours against the raw client, the emulator's warm-up, and the target every
 * emulator row has (≥ 0.8× raw), whose miss explains itself with emulatorWhyMissed.
 */
export function emulatorRow(
  profile: BenchProfile,
  spec: {
    readonly caseName: string;
    readonly concurrency: number;
    readonly ours: Contender;
    readonly baseline: Contender;
    /** What ours does besides the raw side's work (a clause: "validates …, writes …"). */
    readonly oursAlsoDoes: string;
  },
): Promise<ComparisonRow> {
  return compareRow(profile, {
    caseName: spec.caseName,
    concurrency: spec.concurrency,
    ours: spec.ours,
    baseline: spec.baseline,
    warmupOperations: profile.emulatorWarmupOperations,
    target: (ratio, pair) =>
      minimumRatio(0.8, 'raw', ratio, () => emulatorWhyMissed(pair, spec.oursAlsoDoes)),
  });
}

/**
 * The `checkpoint` 1 KiB + `latest` row of an emulator's operations section: ours on the
 * adapter's operation `bench-op`, the raw side by the same name; each side's RPCs are counted on
 * a twin (`bench-op-counted`), so that the timed operation starts where it is.
 */
export async function checkpointLatestRow(
  profile: BenchProfile,
  rpcs: RpcCounter,
  spec: {
    readonly adapter: Adapter<unknown>;
    readonly payload: Uint8Array;
    /** What the raw side does, as its contender label ("raw: …"). */
    readonly rawLabel: string;
    readonly rawOp: (name: string) => () => Promise<unknown>;
    readonly oursAlsoDoes: string;
  },
): Promise<ComparisonRow> {
  const { adapter, payload, rawOp } = spec;
  const ours = await countedRpcContender(
    'checkpointkit checkpoint + latest',
    oursOp(adapter.operations.open('bench-op'), payload),
    rpcs,
    profile.countingOperations,
    oursOp(adapter.operations.open('bench-op-counted'), payload),
  );
  const baseline = await countedRpcContender(
    spec.rawLabel,
    rawOp('bench-op'),
    rpcs,
    profile.countingOperations,
    rawOp('bench-op-counted'),
  );
  return emulatorRow(profile, {
    caseName: '`checkpoint` 1 KiB + `latest`',
    concurrency: 1,
    ours,
    baseline,
    oursAlsoDoes: spec.oursAlsoDoes,
  });
}
