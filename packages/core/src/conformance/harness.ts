/**
 * The conformance harness: what a target provides, what each case receives, and a runner that
 * works with or without vitest's describe/it (the suite's own mutation tests run cases directly).
 */
import type { ChildProcess } from 'node:child_process';
import type { Adapter } from '../adapter.js';
import type { Clock } from '../clock.js';
import { isPrimitive, PRIMITIVES, type Primitive } from '../primitives.js';
import { ManualClock } from './manual-clock.js';
import { connectTwin, type TwinProcess } from './twin-process.js';

export interface ConformanceProbe<Tx> {
  /** Writes `value` under `key` in the user's own storage, inside the adapter transaction `tx`. */
  writeInTx(tx: Tx, key: string, value: string): void | Promise<void>;
  /** Reads what writeInTx committed, or null. */
  read(adapter: Adapter<Tx>, key: string): Promise<string | null>;
  /**
   * Optional: ends the adapter transaction `tx` from inside its callback, as a careless user
   * would (SQL: `COMMIT` on the connection). For the cases that prove such a callback is refused
   * (`requires: 'endTransaction'`); a target without it has them listed as not tested.
   */
  endTransaction?(tx: Tx): void | Promise<void>;
}

/** A lost reply that was armed: `fired()` says whether it happened. */
export interface ArmedFault {
  fired(): boolean;
}

/**
 * Optional: faults the target's harness can inject, for the outcome-unknown cases (`faults/…`).
 * A target without it has those cases listed as not tested.
 */
export interface FaultCapability<A> {
  /**
   * Arms a lost reply on `adapter`: its next committing write request (the one that makes a
   * call's effect durable — for a call of several requests, that one, not a read or an
   * idempotent preparatory write) reaches the store and is applied there, and its reply never
   * reaches the adapter: the connection drops. `between`, when given, runs after the store
   * applied the write and before the adapter can learn anything more (reconnect, resend or read
   * back) — another writer's turn. Whether the client then resends or rejects the request is the
   * target's own setting (a target may be registered once per client mode).
   */
  loseNextReply(adapter: A, options?: { between?: () => Promise<void> }): Promise<ArmedFault>;
}

/**
 * Optional: a twin adapter in another OS process, for the `general/processes/…` cases. `reopen`
 * may stay in one process, where an in-process queue hides a store that does not lock; the twin
 * meets the parent only in the store's own locking, busy errors and retries.
 */
export interface TwinProcessCapability<A> {
  /**
   * Forks a child process (with an IPC channel) that opens an adapter on `adapter`'s store, its
   * clock fixed at `nowMs`, and calls `serveTwinProcess(adapter)` from
   * `@checkpointkit/core/conformance/twin`. The suite kills it after the case.
   */
  start(adapter: A, options: { readonly nowMs: number }): Promise<ChildProcess>;
}

export interface ConformanceTarget<Tx, A extends Adapter<Tx> = Adapter<Tx>> {
  readonly name: string;
  /** A fresh adapter on its own, isolated store (own file, database, namespace or key prefix), set up. */
  create(options: { readonly clock: Clock }): Promise<A>;
  /** A second adapter on `adapter`'s store, as another process would open it. */
  reopen(adapter: A, options: { readonly clock: Clock }): Promise<Adapter<Tx>>;
  /** Removes what create() made (after close()). */
  destroy?(adapter: A): Promise<void>;
  readonly probe: ConformanceProbe<Tx>;
  /** Case id (or id prefix ending in "/") → the reason it is skipped. Skips are listed in the output. */
  readonly skip?: Readonly<Record<string, string>>;
  /** Adapters racing each other in concurrency cases; default 4. */
  readonly concurrency?: number;
  /** Fault injection for the `faults/…` cases (lost replies); without it they are not tested. */
  // biome-ignore lint/suspicious/noExplicitAny: the harness never looks inside a target's adapter type
  readonly faults?: FaultCapability<any>;
  /**
   * The primitives the target's adapter implements (its `adapter.primitives`); default all five.
   * Cases that need another one are listed as not tested ("not tested: operations not implemented
   * by this adapter"). Every adapter create() and reopen() return must list exactly these.
   */
  readonly primitives?: readonly Primitive[];
  /** A twin adapter in another OS process for the `general/processes/…` cases; without it they are not tested. */
  // biome-ignore lint/suspicious/noExplicitAny: the harness never looks inside a target's adapter type
  readonly twinProcess?: TwinProcessCapability<any>;
}

export interface CaseContext<Tx> {
  readonly clock: ManualClock;
  readonly probe: ConformanceProbe<Tx>;
  readonly concurrency: number;
  /** A fresh adapter, closed and destroyed after the case. */
  adapter(): Promise<Adapter<Tx>>;
  /** Another "process" on the same store, closed after the case. */
  reopen(adapter: Adapter<Tx>): Promise<Adapter<Tx>>;
  /** Runs `cleanup` after the case, before adapters close (stop groups, abort watchers). */
  defer(cleanup: () => unknown): void;
  /** The target's fault injection; cases that need it declare `requires: 'faults'`. */
  readonly faults: FaultCapability<Adapter<Tx>> | null;
  /** The primitives the target implements: a case that works with any of them picks from these. */
  readonly primitives: readonly Primitive[];
  /** The twin of `adapter` in another OS process (killed after the case); cases that need it declare `requires: 'twinProcess'`. */
  twin(adapter: Adapter<Tx>): Promise<TwinProcess>;
}

export interface ConformanceCase {
  /**
   * Stable id, "<primitive>/<topic>/<what>", for skips and for finding the case's rule in the
   * contract (docs/contract.md), which names every id beside its rule.
   */
  readonly id: string;
  /** The rule of the contract (docs/contract.md) the case proves, starting with its section. */
  readonly spec: string;
  readonly timeoutMs?: number;
  /** A capability the target must declare for the case to run (else: listed as not tested). */
  readonly requires?: 'faults' | 'twinProcess' | 'endTransaction';
  /**
   * The primitives the case uses; the target must implement all of them for the case to run
   * (else: listed as not tested). Default: the primitive the id names (`checkpoints/…`,
   * `faults/operations/…`), or all five for an id that names none (`general/…`).
   */
  readonly primitives?: readonly Primitive[];
  /** Cases never look inside Tx: they only hand it to the probe. */
  run(ctx: CaseContext<unknown>): Promise<void>;
}

export const DEFAULT_CASE_TIMEOUT_MS = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: the harness never looks inside a target's adapter type
type AnyTarget = ConformanceTarget<any, any>;

export const NO_FAULTS_REASON =
  'not tested: the target declares no fault capability (faults.loseNextReply)';

/** Why a case that needs `primitive` did not run on a target without it. */
export function notImplementedReason(primitive: Primitive): string {
  return `not tested: ${primitive} not implemented by this adapter`;
}

/** The primitives a case needs (see ConformanceCase.primitives). */
export function casePrimitives(testCase: Pick<ConformanceCase, 'id' | 'primitives'>): Primitive[] {
  if (testCase.primitives) return [...testCase.primitives];
  const named = testCase.id.split('/').find(isPrimitive);
  return named ? [named] : [...PRIMITIVES];
}

/** The primitives the target implements, in PRIMITIVES order. */
export function targetPrimitives(target: AnyTarget): Primitive[] {
  const declared = target.primitives ?? PRIMITIVES;
  return PRIMITIVES.filter((p) => declared.includes(p));
}

/** The primitives of PRIMITIVES the target does not implement: the suite does not test them. */
export function untestedPrimitives(target: AnyTarget): Primitive[] {
  const implemented = targetPrimitives(target);
  return PRIMITIVES.filter((p) => !implemented.includes(p));
}
export const NO_TWIN_PROCESS_REASON =
  'not tested: the target declares no twin process capability (twinProcess.start)';

export const NO_END_TRANSACTION_REASON =
  "not tested: the target's probe cannot end a transaction (probe.endTransaction)";

export function skipReason(
  target: AnyTarget,
  id: string,
  requires?: ConformanceCase['requires'],
  primitives: readonly Primitive[] = casePrimitives({ id }),
): string | null {
  for (const [pattern, reason] of Object.entries(target.skip ?? {})) {
    if (pattern === id || (pattern.endsWith('/') && id.startsWith(pattern))) return reason;
  }
  const implemented = targetPrimitives(target);
  const missing = primitives.find((p) => !implemented.includes(p));
  if (missing) return notImplementedReason(missing);
  if (requires === 'faults' && !target.faults) return NO_FAULTS_REASON;
  if (requires === 'twinProcess' && !target.twinProcess) return NO_TWIN_PROCESS_REASON;
  if (requires === 'endTransaction' && !target.probe.endTransaction)
    return NO_END_TRANSACTION_REASON;
  return null;
}

/** Why `testCase` does not run on `target`, or null when it runs. */
export function caseSkipReason(target: AnyTarget, testCase: ConformanceCase): string | null {
  return skipReason(target, testCase.id, testCase.requires, casePrimitives(testCase));
}

/** create() and reopen() must return adapters with the primitives the target declares. */
function checkPrimitives(target: AnyTarget, adapter: Adapter<unknown>, from: string): void {
  const declared = targetPrimitives(target);
  const actual = PRIMITIVES.filter((p) => adapter.primitives?.includes(p));
  if (declared.join() !== actual.join()) {
    throw new Error(
      `conformance target ${target.name}: ${from} returned an adapter implementing [${actual.join(', ')}], but the target declares primitives [${declared.join(', ')}]; set the target's \`primitives\` to what the adapter implements`,
    );
  }
}

/** Runs one case against the target with a fresh clock; always cleans up. */
export async function runCase<Tx, A extends Adapter<Tx>>(
  target: ConformanceTarget<Tx, A>,
  testCase: ConformanceCase,
): Promise<void> {
  const clock = new ManualClock();
  const created: A[] = [];
  const reopened: Adapter<Tx>[] = [];
  const deferred: (() => unknown)[] = [];
  const ctx: CaseContext<Tx> = {
    clock,
    probe: target.probe,
    concurrency: target.concurrency ?? 4,
    async adapter() {
      const adapter = await target.create({ clock: clock.now });
      created.push(adapter);
      checkPrimitives(target, adapter, 'create()');
      return adapter;
    },
    async reopen(adapter) {
      const other = await target.reopen(adapter as A, { clock: clock.now });
      reopened.push(other);
      checkPrimitives(target, other, 'reopen()');
      return other;
    },
    defer(cleanup) {
      deferred.push(cleanup);
    },
    faults: target.faults ?? null,
    primitives: targetPrimitives(target),
    async twin(adapter) {
      if (!target.twinProcess) throw new Error(NO_TWIN_PROCESS_REASON);
      const child = await target.twinProcess.start(adapter, { nowMs: clock.now() });
      deferred.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      });
      return connectTwin(child);
    },
  };
  try {
    await testCase.run(ctx as CaseContext<unknown>);
  } finally {
    const failures: unknown[] = [];
    const attempt = async (step: () => unknown): Promise<void> => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    for (const cleanup of deferred.reverse()) await attempt(cleanup);
    for (const adapter of reopened.reverse()) await attempt(() => adapter.close());
    for (const adapter of created.reverse()) {
      await attempt(() => adapter.close());
      if (target.destroy) await attempt(() => target.destroy?.(adapter));
    }
    if (failures.length > 0) {
      // A cleanup failure must not hide the case's own result, but it must not pass silently.
      console.warn(`conformance ${target.name} ${testCase.id}: cleanup failed:`, failures[0]);
    }
  }
}

export interface CaseResult {
  readonly id: string;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly error?: unknown;
  readonly reason?: string;
}

/** Runs cases one after another without a test framework; for tools and for the suite's own mutation tests. */
export async function runCases<Tx, A extends Adapter<Tx>>(
  target: ConformanceTarget<Tx, A>,
  cases: readonly ConformanceCase[],
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const reason = caseSkipReason(target, testCase);
    if (reason !== null) {
      results.push({ id: testCase.id, outcome: 'skipped', reason });
      continue;
    }
    try {
      await withTimeout(
        runCase(target, testCase),
        testCase.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS,
        testCase.id,
      );
      results.push({ id: testCase.id, outcome: 'passed' });
    } catch (error) {
      results.push({ id: testCase.id, outcome: 'failed', error });
    }
  }
  return results;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
