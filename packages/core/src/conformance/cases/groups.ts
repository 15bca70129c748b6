/** The contract, §3 (docs/contract.md) — checkpoint groups. */
import { expect } from 'vitest';
import {
  BackendError,
  CheckpointKitError,
  TimestampRegressionError,
  ValidationError,
} from '../../errors.js';
import type { CheckpointGroup } from '../../groups/types.js';
import { formatHlc, HLC_ORIGIN, type HlcRange, hlc, rangeIncluding } from '../../hlc.js';
import type { ConformanceCase } from '../harness.js';
import { toHlc, windowTable } from '../window-table.js';
import {
  type AnyAdapter,
  type Ctx,
  cases,
  eventually,
  expectError,
  parallel,
  processes,
} from './support.js';

/** Starts a group that is stopped after the case. */
async function startGroup(
  ctx: Ctx,
  a: AnyAdapter,
  name: string,
  options: { lookahead?: number; pollIntervalMs?: number } = {},
): Promise<CheckpointGroup> {
  const group = await a.groups.start(name, { pollIntervalMs: 60_000, ...options });
  ctx.defer(() => group.stop());
  return group;
}

const show = (r: HlcRange): string => `[${formatHlc(r.min)}, ${formatHlc(r.max)})`;
const window = (lo: number, hi: number): string => show(rangeIncluding(hlc(lo), hlc(hi)));

const tableCases: ConformanceCase[] = windowTable.map(
  (c): ConformanceCase => ({
    id: `groups/window/${c.name
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .replace(/^-|-$/g, '')}`,
    spec: `§3 The window follows the seed's algorithm: ${c.name}`,
    // The spec examples advance one partition 1,000 times: over a minute on a loaded emulator.
    timeoutMs: 360_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(
        ctx,
        a,
        'orders',
        c.lookahead === undefined ? {} : { lookahead: c.lookahead },
      );
      if (c.ensure) await group.ensure(c.ensure);
      for (const [partition, list] of Object.entries(c.advances)) {
        for (const ts of list) await group.advance(partition, toHlc(ts));
      }
      for (const [min, max] of c.commits ?? [])
        await group.commit({ min: toHlc(min), max: toHlc(max) });
      const bounds = await group.refresh();
      expect(show(bounds)).toBe(show(rangeIncluding(toHlc(c.expected[0]), toHlc(c.expected[1]))));
      expect(show(group.bounds())).toBe(show(bounds));
    },
  }),
);

export const groupCases: ConformanceCase[] = cases([
  ...tableCases,
  {
    id: 'groups/advance/equal-to-max-accepted',
    spec: "§3 advance: equal to the partition's maximum is accepted (duplicate resolved messages happen)",
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      await group.advance('p', hlc(5));
      await group.advance('p', hlc(5));
      await group.commit({ min: hlc(5), max: hlc(6) });
      await group.advance('p', hlc(5));
      expect(show(await group.refresh())).toBe(window(5, 5));
    },
  },
  {
    id: 'groups/advance/regression-error',
    spec: '§3 advance: lower → TimestampRegressionError, nothing written',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      await group.advance('p', hlc(10, 5));
      const error = await expectError(group.advance('p', hlc(10, 4)), TimestampRegressionError);
      expect(error.partition).toBe('p');
      expect(error.current).toBe(formatHlc(hlc(10, 5)));
      await expectError(group.advance('p', hlc(9)), TimestampRegressionError);
      expect(show(await group.refresh())).toBe(
        window(0, 10).replace('10.0000000001', '10.0000000006'),
      );
      expect(await a.groups.scanUnresolved()).toEqual(['orders']);
      await group.advance('p', hlc(11));
      await group.advance('q', hlc(1)); // other partitions are independent
    },
  },
  {
    id: 'groups/commit/half-open',
    spec: '§3 commit([min, max)) marks every unapplied timestamp with min <= ts < max as applied — max itself stays unapplied',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      for (const t of [1, 2, 3]) await group.advance('p', hlc(t));
      await group.commit({ min: hlc(1), max: hlc(3) });
      // applied 1, 2; unapplied 3 → u = 3, min_p = 2, run 2..3
      expect(show(await group.refresh())).toBe(window(2, 3));
      await group.commit({ min: hlc(3), max: hlc(3, 1) });
      expect(show(await group.refresh())).toBe(window(3, 3));
    },
  },
  {
    id: 'groups/commit/idempotent',
    spec: '§3 commit is idempotent',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      for (const t of [1, 2, 3, 4]) await group.advance('p', hlc(t));
      await group.commit({ min: HLC_ORIGIN, max: hlc(3) });
      const once = show(await group.refresh());
      await group.commit({ min: HLC_ORIGIN, max: hlc(3) });
      await group.commit({ min: hlc(1), max: hlc(2) });
      expect(show(await group.refresh())).toBe(once);
      expect(once).toBe(window(2, 4));
    },
  },
  {
    id: 'groups/commit/all-partitions',
    spec: "§3 commit marks every unapplied timestamp of the group in the range, across partitions, and no other group's",
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      const other = await startGroup(ctx, a, 'payments');
      for (const p of ['a', 'b', 'c']) for (const t of [1, 2]) await group.advance(p, hlc(t));
      await other.advance('a', hlc(1));
      await group.commit({ min: HLC_ORIGIN, max: hlc(3) });
      expect(show(await group.refresh())).toBe(window(2, 2));
      expect(await a.groups.scanUnresolved()).toEqual(['payments']);
    },
  },
  {
    id: 'groups/ensure/origin-and-untouched',
    spec: '§3 ensure gives each new partition an applied checkpoint at the origin; existing partitions are untouched',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      await group.ensure(['a']);
      expect(show(await group.refresh())).toBe(window(0, 0));
      expect(await a.groups.scanUnresolved()).toEqual([]);
      await group.advance('a', hlc(7));
      await group.ensure(['a', 'b']);
      await group.ensure([]);
      // a keeps its unapplied 7; b, new, holds the window at the origin.
      expect(show(await group.refresh())).toBe(window(0, 0));
      await group.advance('b', hlc(9));
      await group.commit({ min: hlc(9), max: hlc(10) });
      expect(show(await group.refresh())).toBe(window(0, 7));
    },
  },
  {
    id: 'groups/names/canonical',
    spec: '§3 Names and partitions are canonical (one case rule, applied identically by every method)',
    async run(ctx) {
      const a = await ctx.adapter();
      const upper = await startGroup(ctx, a, 'Orders');
      const lower = await startGroup(ctx, a, 'orders');
      expect(upper.name).toBe('orders');
      await upper.advance('Shop-A', hlc(3));
      await expectError(lower.advance('shop-a', hlc(2)), TimestampRegressionError);
      await lower.ensure(['SHOP-A']);
      await lower.commit({ min: HLC_ORIGIN, max: hlc(4) });
      expect(show(await upper.refresh())).toBe(window(3, 3));
      await upper.advance('SHOP-a', hlc(4));
      expect(await a.groups.scanUnresolved()).toEqual(['orders']);
    },
  },
  {
    id: 'groups/names/injective',
    spec: '§0 Injective keys: group "a:b" with partition "c" and group "a" with partition "b:c" are different records',
    async run(ctx) {
      const a = await ctx.adapter();
      const ab = await startGroup(ctx, a, 'a:b');
      const plain = await startGroup(ctx, a, 'a');
      await ab.advance('c', hlc(5));
      await plain.advance('b:c', hlc(3));
      await expectError(plain.advance('b:c', hlc(2)), TimestampRegressionError);
      await plain.advance('b:c', hlc(4)); // 4 < 5 is fine: not the same partition
      await ab.commit({ min: HLC_ORIGIN, max: hlc(6) });
      expect(await a.groups.scanUnresolved()).toEqual(['a']);
      expect(show(await ab.refresh())).toBe(window(5, 5));
    },
  },
  {
    id: 'groups/validation/inputs',
    spec: '§0 Bad input gets a typed error that names the problem, and writes nothing: group names, partitions, timestamps, ranges, options',
    async run(ctx) {
      const a = await ctx.adapter();
      await expectError(a.groups.start(''), ValidationError, 'name');
      await expectError(a.groups.start('x'.repeat(257)), ValidationError, 'name');
      await expectError(a.groups.start('g', { lookahead: -1 }), ValidationError, 'lookahead');
      await expectError(
        a.groups.start('g', { pollIntervalMs: 0 }),
        ValidationError,
        'pollIntervalMs',
      );
      const group = await startGroup(ctx, a, 'orders');
      await expectError(group.advance('', hlc(1)), ValidationError, 'partition');
      await expectError(
        group.advance('p', { nanos: -1n, logical: 0 }),
        ValidationError,
        'ts.nanos',
      );
      await expectError(
        group.advance('p', { nanos: 1 as unknown as bigint, logical: 0 }),
        ValidationError,
        'ts.nanos',
      );
      await expectError(
        group.advance('p', { nanos: 1n, logical: 0.5 }),
        ValidationError,
        'ts.logical',
      );
      await expectError(group.commit({ min: hlc(1) } as HlcRange), ValidationError, 'range.max');
      await expectError(group.ensure('p' as unknown as string[]), ValidationError, 'partitions');
      await expectError(group.ensure(['ok', '']), ValidationError, 'partitions[1]');
      expect(show(await group.refresh())).toBe(window(0, 0));
      expect(await a.groups.scanUnresolved()).toEqual([]);
    },
  },
  {
    id: 'groups/bounds/last-computed',
    spec: '§3 bounds() is the last computed window; refresh() recomputes now',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const mine = await startGroup(ctx, a, 'orders');
      const theirs = await startGroup(ctx, b, 'orders');
      await theirs.advance('p', hlc(4));
      expect(show(mine.bounds())).toBe(window(0, 0));
      expect(show(await mine.refresh())).toBe(window(0, 4));
      expect(show(mine.bounds())).toBe(window(0, 4));
    },
  },
  {
    id: 'groups/poll/other-process-seen',
    spec: "§3 Other processes' advance/commit are seen within pollIntervalMs",
    timeoutMs: 30_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const watcher = await startGroup(ctx, a, 'orders', { pollIntervalMs: 50 });
      const writer = await startGroup(ctx, b, 'orders');
      await writer.advance('p', hlc(8));
      await eventually(
        () => show(watcher.bounds()) === window(0, 8),
        5_000,
        'advance seen by the other process',
      );
      await writer.commit({ min: HLC_ORIGIN, max: hlc(9) });
      await eventually(
        () => show(watcher.bounds()) === window(8, 8),
        5_000,
        'commit seen by the other process',
      );
    },
  },
  {
    id: 'groups/watch/emits-changes',
    spec: '§3 watch: emits on change, coalesced (the current window first)',
    timeoutMs: 30_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      const controller = new AbortController();
      ctx.defer(() => controller.abort());
      const seen: string[] = [];
      const iterator = group.watch({ signal: controller.signal })[Symbol.asyncIterator]();
      seen.push(show((await iterator.next()).value as HlcRange));
      await group.advance('p', hlc(1));
      await group.refresh();
      seen.push(show((await iterator.next()).value as HlcRange));
      // Three changes while nobody reads: the next read sees only the newest.
      await group.advance('p', hlc(2));
      await group.refresh();
      await group.commit({ min: HLC_ORIGIN, max: hlc(2) });
      await group.refresh();
      await group.advance('p', hlc(3));
      await group.refresh();
      seen.push(show((await iterator.next()).value as HlcRange));
      expect(seen).toEqual([window(0, 0), window(0, 1), window(1, 3)]);
      controller.abort();
      expect((await iterator.next()).done).toBe(true);
    },
  },
  {
    id: 'groups/watch/ends-on-stop',
    spec: '§3 stop() ends every watch',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await a.groups.start('orders');
      const iterator = group.watch()[Symbol.asyncIterator]();
      await iterator.next();
      const pending = iterator.next();
      await group.stop();
      expect((await pending).done).toBe(true);
      await group.stop(); // idempotent
    },
  },
  {
    id: 'groups/watch/other-process-wakes',
    spec: "§3 Other processes' advance/commit are seen within pollIntervalMs — by watchers too",
    timeoutMs: 30_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const group = await startGroup(ctx, a, 'orders', { pollIntervalMs: 50 });
      const writer = await startGroup(ctx, b, 'orders');
      const controller = new AbortController();
      ctx.defer(() => controller.abort());
      const iterator = group.watch({ signal: controller.signal })[Symbol.asyncIterator]();
      await iterator.next();
      await writer.advance('p', hlc(6));
      const next = await iterator.next();
      expect(show(next.value as HlcRange)).toBe(window(0, 6));
    },
  },
  {
    id: 'groups/refresh/failure-keeps-bounds',
    spec: '§3 A refresh that fails keeps the last good bounds and reports the error; it never resets the window to empty',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await a.groups.start('orders', { pollIntervalMs: 60_000 });
      await group.advance('p', hlc(5));
      const good = show(await group.refresh());
      await a.close();
      const error = await expectError(group.refresh(), BackendError);
      expect(error).toBeInstanceOf(CheckpointKitError);
      expect(show(group.bounds())).toBe(good);
      expect(group.lastError).toBe(error);
      await group.stop();
    },
  },
  {
    id: 'groups/scan/unresolved',
    spec: '§3 scanUnresolved: names of groups with unapplied timestamps',
    async run(ctx) {
      const a = await ctx.adapter();
      const orders = await startGroup(ctx, a, 'orders');
      const payments = await startGroup(ctx, a, 'payments');
      const idle = await startGroup(ctx, a, 'idle');
      expect(await a.groups.scanUnresolved()).toEqual([]);
      await idle.ensure(['x']);
      await orders.advance('p', hlc(1));
      await payments.advance('p', hlc(1));
      expect(await a.groups.scanUnresolved()).toEqual(['orders', 'payments']);
      await orders.commit({ min: HLC_ORIGIN, max: hlc(2) });
      expect(await a.groups.scanUnresolved()).toEqual(['payments']);
    },
  },
  {
    id: 'groups/prune/keeps-window',
    spec: '§3 prune: drop applied history below the committed time; the window is unchanged',
    timeoutMs: 120_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders', { lookahead: 3 });
      await group.ensure(['a', 'b']);
      for (let t = 1; t <= 40; t++) {
        await group.advance('a', hlc(t));
        await group.advance('b', hlc(t));
      }
      await group.commit({ min: HLC_ORIGIN, max: hlc(31) });
      const before = show(await group.refresh());
      expect(before).toBe(window(30, 33));
      const pruned = await group.prune();
      expect(pruned).toBe(2 * 30); // the origin and 1..29 of each partition
      expect(show(await group.refresh())).toBe(before);
      expect(await group.prune()).toBe(0);
      await group.commit({ min: hlc(31), max: hlc(41) });
      expect(show(await group.refresh())).toBe(window(40, 40));
      await group.advance('a', hlc(41));
      await group.advance('b', hlc(41));
      expect(show(await group.refresh())).toBe(window(40, 41));
    },
  },
  {
    id: 'groups/prune/never-unapplied',
    spec: '§3 prune drops applied history only: a partition running behind keeps its unapplied timestamps',
    async run(ctx) {
      const a = await ctx.adapter();
      const group = await startGroup(ctx, a, 'orders');
      for (const t of [1, 2, 3, 4]) await group.advance('fast', hlc(t));
      await group.commit({ min: HLC_ORIGIN, max: hlc(4) });
      await group.advance('slow', hlc(1));
      await group.advance('slow', hlc(10));
      // slow: 1 applied (by the commit above? no: it was advanced afterwards) → 1, 10 unapplied
      const before = show(await group.refresh());
      await group.prune();
      expect(show(await group.refresh())).toBe(before);
      await group.commit({ min: HLC_ORIGIN, max: hlc(11) });
      expect(show(await group.refresh())).toBe(window(4, 4));
    },
  },
  {
    id: 'groups/concurrency/several-processes',
    spec: '§3 Several processes advance their partitions and commit concurrently: every timestamp is recorded, none lost',
    timeoutMs: 120_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const groups = await Promise.all(adapters.map((a) => startGroup(ctx, a, 'orders')));
      await parallel(groups.length, async (i) => {
        const g = groups[i] as CheckpointGroup;
        for (let t = 1; t <= 10; t++) await g.advance(`p${i}`, hlc(t));
      });
      const first = groups[0] as CheckpointGroup;
      expect(show(await first.refresh())).toBe(window(0, 10));
      await parallel(groups.length, (i) =>
        (groups[i] as CheckpointGroup).commit({ min: hlc(1 + i), max: hlc(6) }),
      );
      expect(show(await first.refresh())).toBe(window(5, 10));
      await parallel(groups.length, (i) =>
        (groups[i] as CheckpointGroup).advance(`p${i}`, hlc(10)),
      );
      expect(show(await first.refresh())).toBe(window(5, 10));
    },
  },
]);
