/**
 * What a run of the suite did not test, as runConformance prints it after the run: one line per
 * primitive the target does not implement, then every other skipped case with its reason.
 */
import {
  type ConformanceCase,
  type ConformanceTarget,
  caseSkipReason,
  notImplementedReason,
  untestedPrimitives,
} from './harness.js';

export interface SkippedCase {
  readonly id: string;
  readonly reason: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the report never looks inside a target's adapter type
type AnyTarget = ConformanceTarget<any, any>;

/** The cases of `cases` that do not run on `target`, each with its reason, in suite order. */
export function skippedCases(target: AnyTarget, cases: readonly ConformanceCase[]): SkippedCase[] {
  return cases.flatMap((testCase) => {
    const reason = caseSkipReason(target, testCase);
    return reason === null ? [] : [{ id: testCase.id, reason }];
  });
}

/** The summary runConformance prints after the run, or null when every case ran. */
export function skipSummary(target: AnyTarget, cases: readonly ConformanceCase[]): string | null {
  const skipped = skippedCases(target, cases);
  if (skipped.length === 0) return null;
  const primitiveReasons = untestedPrimitives(target).map(notImplementedReason);
  const lines = primitiveReasons.map((reason) => {
    const count = skipped.filter((s) => s.reason === reason).length;
    return `${reason} (${count} case${count === 1 ? '' : 's'})`;
  });
  for (const { id, reason } of skipped) {
    if (!primitiveReasons.includes(reason)) lines.push(`${id}: ${reason}`);
  }
  return `checkpointkit conformance (${target.name}) did not run ${skipped.length} case(s):\n  ${lines.join('\n  ')}`;
}
