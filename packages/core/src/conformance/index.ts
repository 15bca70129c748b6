/**
 * @checkpointkit/core/conformance — the specification you can run. Every adapter, ours or a
 * user's, passes `runConformance` against its real backend:
 *
 *   import { runConformance } from '@checkpointkit/core/conformance';
 *   runConformance({ name, create, reopen, destroy, probe });
 *
 * Each case names the rule of the contract (docs/contract.md) it proves, by its section and
 * sentence; the contract lists each rule's case ids. Skipped cases state their reason.
 */
import { afterAll, describe, it } from 'vitest';
import type { Adapter } from '../adapter.js';
import { checkpointCases } from './cases/checkpoints.js';
import { faultCases } from './cases/faults.js';
import { generalCases } from './cases/general.js';
import { groupCases } from './cases/groups.js';
import { nodeCases } from './cases/nodes.js';
import { operationCases } from './cases/operations.js';
import { resultCases } from './cases/results.js';
import { sessionCases } from './cases/sessions.js';
import {
  type ConformanceCase,
  type ConformanceTarget,
  caseSkipReason,
  DEFAULT_CASE_TIMEOUT_MS,
  runCase,
} from './harness.js';
import { skipSummary } from './report.js';

export type {
  ArmedFault,
  CaseContext,
  CaseResult,
  ConformanceCase,
  ConformanceProbe,
  ConformanceTarget,
  FaultCapability,
  TwinProcessCapability,
} from './harness.js';
export {
  casePrimitives,
  caseSkipReason,
  NO_END_TRANSACTION_REASON,
  NO_FAULTS_REASON,
  NO_TWIN_PROCESS_REASON,
  notImplementedReason,
  runCase,
  runCases,
  targetPrimitives,
  untestedPrimitives,
} from './harness.js';
export { ManualClock } from './manual-clock.js';
export { type SkippedCase, skippedCases, skipSummary } from './report.js';
export type { TwinHoldRequest, TwinOutcome, TwinProcess } from './twin-process.js';
export { type Ts, tableEntries, toHlc, type WindowTableCase, windowTable } from './window-table.js';

/** Every case, grouped by the section of the contract (docs/contract.md) it proves. */
export const conformanceSuites: Readonly<Record<string, readonly ConformanceCase[]>> = {
  '§0 rules that hold everywhere': generalCases,
  '§1 run-once checkpoints': checkpointCases,
  '§1 idempotent results': resultCases,
  '§2 operation checkpoints': operationCases,
  '§3 checkpoint groups': groupCases,
  '§4 commit sessions': sessionCases,
  '§5 sharded node state': nodeCases,
  '§0 three endings: lost replies': faultCases,
};

export const conformanceCases: readonly ConformanceCase[] = Object.values(conformanceSuites).flat();

/** Registers the whole suite with vitest: one describe per contract section, one it per case. */
export function runConformance<Tx, A extends Adapter<Tx> = Adapter<Tx>>(
  target: ConformanceTarget<Tx, A>,
): void {
  const unknown = Object.keys(target.skip ?? {}).filter(
    (pattern) =>
      !conformanceCases.some(
        (c) => c.id === pattern || (pattern.endsWith('/') && c.id.startsWith(pattern)),
      ),
  );
  if (unknown.length > 0)
    throw new Error(
      `runConformance(${target.name}): skip patterns match no case: ${unknown.join(', ')}`,
    );
  describe(`checkpointkit conformance: ${target.name}`, () => {
    for (const [section, list] of Object.entries(conformanceSuites)) {
      describe(section, () => {
        for (const testCase of list) {
          const title = `${testCase.spec} [${testCase.id}]`;
          const reason = caseSkipReason(target, testCase);
          if (reason !== null) {
            it.skip(`${title} — skipped: ${reason}`, () => {});
            continue;
          }
          it(title, () => runCase(target, testCase), testCase.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS);
        }
      });
    }
    afterAll(() => {
      // One line per missing primitive, then every other skip with its case id.
      const summary = skipSummary(target, conformanceCases);
      if (summary !== null) console.info(summary);
    });
  });
}
