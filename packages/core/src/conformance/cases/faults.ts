/**
 * The contract, §0 (docs/contract.md), "three endings, never a fourth": a write whose reply is
 * lost after the store applied it. Run through the target's fault capability (harness.ts,
 * FaultCapability), once with the store left alone and once with another writer's turn in
 * between; whether the client resends the request or rejects it is the target's setting. The
 * rule for every case: the call succeeds (its effect applied exactly once) or fails with
 * OutcomeUnknownError — never a retryable error (a caller following that flag would apply it
 * twice), never another error, and nothing another writer acknowledged in between is undone.
 */
import { expect } from 'vitest';
import { AlreadyExistsError, OutcomeUnknownError, TimestampRegressionError } from '../../errors.js';
import { formatHlc, hlc, next } from '../../hlc.js';
import type { ConformanceCase } from '../harness.js';
import { type AnyAdapter, type Ctx, cases, expectError, key, text, utf8 } from './support.js';

const RULE = '§0 three endings';
const TTL = { ttlMs: 60 * 60 * 1000 };

type Ending<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

async function ending<T>(call: Promise<T>): Promise<Ending<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The store applied the write: the call may succeed or end as outcome-unknown, nothing else. */
function expectAppliedEnding(result: Ending<unknown>, call: string): void {
  if (result.ok) return;
  const error = result.error as Error & { retryable?: boolean };
  expect(
    error,
    `${RULE}: ${call} was applied by the store, so it may only fail as OutcomeUnknownError; got ${error?.name} (retryable: ${error?.retryable}): ${error?.message}`,
  ).toBeInstanceOf(OutcomeUnknownError);
  expect(error.retryable, `${RULE}: an unknown outcome is never retryable`).toBe(false);
}

/** Arms the lost reply; `between` (if any) is another adapter's write. */
async function loseReply(
  ctx: Ctx,
  adapter: AnyAdapter,
  between: (() => Promise<void>) | null,
): Promise<{ fired(): boolean }> {
  const faults = ctx.faults;
  if (!faults) throw new Error('faults cases need the fault capability (requires: faults)');
  return faults.loseNextReply(adapter, between ? { between } : {});
}

function expectFired(fault: { fired(): boolean }, call: string): void {
  expect(fault.fired(), `the harness lost the reply of ${call}'s committing request`).toBe(true);
}

interface Scenario {
  readonly id: string;
  readonly spec: string;
  run(ctx: Ctx, withWriterBetween: boolean): Promise<void>;
}

/** Each scenario twice: with the store left alone, and with another writer in between. */
function lostReplyCases(scenarios: readonly Scenario[]): ConformanceCase[] {
  return scenarios.flatMap((scenario) =>
    [false, true].map(
      (between): ConformanceCase => ({
        id: `${scenario.id}${between ? '-writer-between' : ''}`,
        spec: `${RULE}: ${scenario.spec}${between ? ', with another writer in between' : ''}`,
        requires: 'faults',
        timeoutMs: 60_000,
        run: (ctx) => scenario.run(ctx, between),
      }),
    ),
  );
}

const scenarios: Scenario[] = [
  {
    id: 'faults/checkpoints/run-once-lost-reply',
    spec: "runOnce whose commit reply is lost: work's writes committed exactly once, never reported retryable",
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const k = key({ uniquifier: 'lost-reply' });
      let other: { ran: boolean } | null = null;
      const fault = await loseReply(
        ctx,
        a,
        between
          ? async () => {
              other = await b.checkpoints.runOnce(k, TTL, async (tx) => {
                await ctx.probe.writeInTx(tx, 'effect-b', 'b');
              });
            }
          : null,
      );
      const result = await ending(
        a.checkpoints.runOnce(k, TTL, async (tx) => {
          await ctx.probe.writeInTx(tx, 'effect-a', 'a');
          return 'a';
        }),
      );
      expectFired(fault, 'runOnce');
      expectAppliedEnding(result, 'runOnce');
      if (result.ok) {
        expect(result.value, `${RULE}: the applied runOnce reports that it ran`).toEqual({
          ran: true,
          value: 'a',
        });
      }
      expect(await ctx.probe.read(a, 'effect-a'), "§1 runOnce: the applied work's write").toBe('a');
      if (between) {
        expect(other, '§1 runOnce: the second runner finds the checkpoint live').toMatchObject({
          ran: false,
        });
        expect(await ctx.probe.read(a, 'effect-b'), '§1 runOnce: exactly once').toBeNull();
      }
      expect(await a.checkpoints.exists(k), '§1 the checkpoint exists').toBe(true);
    },
  },
  {
    id: 'faults/checkpoints/try-insert-lost-reply',
    spec: 'tryInsert whose reply is lost: true (its own insert), never false or retryable',
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const k = key({ uniquifier: 'lost-reply' });
      let other: boolean | null = null;
      const fault = await loseReply(
        ctx,
        a,
        between
          ? async () => {
              other = await b.checkpoints.tryInsert(k, TTL);
            }
          : null,
      );
      const result = await ending(a.checkpoints.tryInsert(k, TTL));
      expectFired(fault, 'tryInsert');
      expectAppliedEnding(result, 'tryInsert');
      if (result.ok) {
        expect(result.value, `${RULE}: the applied insert is reported as this call's`).toBe(true);
      }
      if (between) expect(other, '§1 tryInsert: false while live').toBe(false);
      expect(await a.checkpoints.exists(k), '§1 the checkpoint exists').toBe(true);
    },
  },
  {
    id: 'faults/operations/checkpoint-lost-reply',
    spec: 'operation checkpoint whose reply is lost: stored once, at one id, nothing acknowledged lost',
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const fault = await loseReply(
        ctx,
        a,
        between
          ? async () => {
              await b.operations.open('import').checkpoint('other', utf8('b'));
            }
          : null,
      );
      const result = await ending(a.operations.open('import').checkpoint('mine', utf8('a')));
      expectFired(fault, 'checkpoint');
      expectAppliedEnding(result, 'operation checkpoint');
      const labels = await labelsById(a, 'import');
      expect(
        [...labels.values()].filter((l) => l === 'mine'),
        `${RULE}: the checkpoint is stored once, never at two ids`,
      ).toEqual(['mine']);
      if (result.ok) expect(labels.get(result.value), '§2 its id holds it').toBe('mine');
      if (between) {
        expect(
          [...labels.values()].filter((l) => l === 'other'),
          `${RULE}: the other writer's acknowledged checkpoint is kept`,
        ).toEqual(['other']);
      }
    },
  },
  {
    id: 'faults/groups/advance-lost-reply',
    spec: 'advance whose reply is lost: recorded, never reported as a regression or retryable',
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const group = await a.groups.start('orders', { pollIntervalMs: 60_000 });
      const other = await b.groups.start('orders', { pollIntervalMs: 60_000 });
      ctx.defer(() => group.stop());
      ctx.defer(() => other.stop());
      await group.ensure(['p1']);
      await group.advance('p1', hlc(10));
      const fault = await loseReply(ctx, a, between ? () => other.advance('p1', hlc(20)) : null);
      const result = await ending(group.advance('p1', hlc(15)));
      expectFired(fault, 'advance');
      expectAppliedEnding(result, 'advance');
      const maximum = between ? 20 : 15;
      // The partition's maximum is the highest acknowledged timestamp: equal is accepted, below is not.
      await group.advance('p1', hlc(maximum));
      await expectError(group.advance('p1', hlc(maximum - 1)), TimestampRegressionError);
    },
  },
  {
    id: 'faults/groups/commit-lost-reply',
    spec: 'commit whose reply is lost: applied, never marking a timestamp advanced after it',
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const group = await a.groups.start('orders', { pollIntervalMs: 60_000 });
      const other = await b.groups.start('orders', { pollIntervalMs: 60_000 });
      ctx.defer(() => group.stop());
      ctx.defer(() => other.stop());
      await group.ensure(['p1']);
      await group.advance('p1', hlc(10));
      const fault = await loseReply(ctx, a, between ? () => other.advance('p1', hlc(15)) : null);
      const result = await ending(group.commit({ min: hlc(0), max: hlc(20) }));
      expectFired(fault, 'commit');
      expectAppliedEnding(result, 'commit');
      const window = await group.refresh();
      // 10 applied; 15 (advanced after the commit) must still be unapplied: [10, 15].
      expect(
        formatHlc(window.min),
        `${RULE}: the commit applied 10${between ? ', and a resend did not apply 15' : ''}`,
      ).toBe(formatHlc(hlc(10)));
      expect(formatHlc(window.max), '§3 the window').toBe(formatHlc(next(hlc(between ? 15 : 10))));
    },
  },
  {
    id: 'faults/checkpoints/claim-complete-lost-reply',
    spec: "a claim's complete whose reply is lost: the checkpoint is completed, never reported as a lost lease",
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const k = key({ uniquifier: 'side-effect' });
      const claim = await a.checkpoints.claim(k, { leaseMs: 60_000, owner: 'worker-a' });
      let other: unknown = null;
      const fault = await loseReply(
        ctx,
        a,
        between
          ? async () => {
              other = await b.checkpoints
                .claim(k, { leaseMs: 60_000, owner: 'worker-b' })
                .catch((e: unknown) => e);
            }
          : null,
      );
      const result = await ending(claim.complete(TTL));
      expectFired(fault, 'complete');
      expectAppliedEnding(result, 'complete');
      if (between) {
        expect(other, '§1 a completed key cannot be claimed').toBeInstanceOf(AlreadyExistsError);
      }
      expect(await a.checkpoints.exists(k), '§1 the claim became a checkpoint').toBe(true);
    },
  },
  {
    id: 'faults/sessions/kv-set-lost-reply',
    spec: "session KV set whose reply is lost: applied once, never undoing a later writer's set",
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      await a.sessions.kv('ns').set('k', utf8('before'));
      const fault = await loseReply(
        ctx,
        a,
        between ? () => b.sessions.kv('ns').set('k', utf8('b')) : null,
      );
      const result = await ending(a.sessions.kv('ns').set('k', utf8('a')));
      expectFired(fault, 'kv set');
      expectAppliedEnding(result, 'kv set');
      expect(
        text(await a.sessions.kv('ns').get('k')),
        between
          ? `${RULE}: the later acknowledged set stands (a resend must not undo it)`
          : `${RULE}: the set is applied`,
      ).toBe(between ? 'b' : 'a');
    },
  },
  {
    id: 'faults/nodes/run-lost-reply',
    spec: 'node run whose commit reply is lost: modify applied exactly once, generation = runs applied',
    async run(ctx, between) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      await a.nodes<{ count: number }>().for('pool').create({ count: 0 });
      const fault = await loseReply(
        ctx,
        a,
        between
          ? async () => {
              await b
                .nodes<{ count: number }>()
                .for('pool')
                .run((s) => ({ count: s.count + 10 }));
            }
          : null,
      );
      const result = await ending(
        a
          .nodes<{ count: number }>()
          .for('pool')
          .run((s) => ({ count: s.count + 1 })),
      );
      expectFired(fault, 'run');
      expectAppliedEnding(result, 'node run');
      const fresh = b.nodes<{ count: number }>().new('pool');
      expect(
        (await fresh.get()).count,
        `${RULE}: each run's change is in the state exactly once`,
      ).toBe(between ? 11 : 1);
      const generation = (await fresh.run(() => {})).generation;
      expect(generation, '§5 each successful run increments the generation by exactly 1').toBe(
        between ? 4 : 3,
      );
    },
  },
];

async function labelsById(a: AnyAdapter, name: string): Promise<Map<string, string>> {
  const op = a.operations.open(name);
  const labels = new Map<string, string>();
  for (const id of await op.list()) labels.set(id, (await op.load(id)).label);
  return labels;
}

export const faultCases: ConformanceCase[] = cases([
  ...lostReplyCases(scenarios),
  {
    id: 'faults/operations/two-checkpoints-in-flight',
    spec: `${RULE}: two checkpoints of one handle in flight when the reply is lost: each stored once`,
    requires: 'faults',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      const fault = await loseReply(ctx, a, null);
      const results = await Promise.all([
        ending(op.checkpoint('first', utf8('1'))),
        ending(op.checkpoint('second', utf8('2'))),
      ]);
      expectFired(fault, 'checkpoint');
      for (const result of results) expectAppliedOrNothing(result, 'operation checkpoint');
      const labels = [...(await labelsById(a, 'import')).values()];
      for (const [i, label] of ['first', 'second'].entries()) {
        const result = results[i] as Ending<string>;
        const stored = labels.filter((l) => l === label).length;
        expect(stored, `${RULE}: ${label} is stored at most once`).toBeLessThanOrEqual(1);
        if (result.ok) expect(stored, `${RULE}: acknowledged ${label} is stored`).toBe(1);
        else if ((result.error as { retryable?: boolean }).retryable) {
          expect(stored, `${RULE}: ${label} reported retryable, so it wrote nothing`).toBe(0);
        }
      }
    },
  },
]);

/**
 * For a write that may or may not be the one whose reply was lost: success (stored), a
 * retryable failure (nothing stored) or OutcomeUnknownError — the callers check the store.
 */
function expectAppliedOrNothing(result: Ending<unknown>, call: string): void {
  if (result.ok) return;
  const error = result.error as Error & { retryable?: boolean };
  if (error instanceof OutcomeUnknownError) return;
  expect(
    error?.retryable,
    `${RULE}: ${call} failed with ${error?.name}: ${error?.message}; only a retryable failure (nothing written) or OutcomeUnknownError may end it`,
  ).toBe(true);
}
