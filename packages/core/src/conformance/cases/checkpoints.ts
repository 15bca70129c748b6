/** The contract, §1 (docs/contract.md) — run-once checkpoints. */
import { expect } from 'vitest';
import { sortKeys } from '../../checkpoints/key.js';
import type { Checkpoint, CheckpointKey, InProgressCheckpoint } from '../../checkpoints/types.js';
import { AlreadyExistsError, LeaseLostError, ValidationError } from '../../errors.js';
import type { ConformanceCase } from '../harness.js';
import {
  type AnyAdapter,
  type Ctx,
  cases,
  DAY_MS,
  expectError,
  HOUR_MS,
  key,
  MINUTE_MS,
  parallel,
  processes,
} from './support.js';

const TTL = { ttlMs: HOUR_MS };

/** Every uniquifier listUniquifiers yields for the cases' (proj, inv-1, ingest/results), in pages. */
async function listAll(a: AnyAdapter, pageSize: number): Promise<string[]> {
  const seen: string[] = [];
  for await (const u of a.checkpoints.listUniquifiers('proj', 'inv-1', 'ingest/results', {
    pageSize,
  }))
    seen.push(u);
  return seen;
}

/** Every way to hand a bad key or ttl to each key-taking method; each must write nothing. */
const keyMethods: Record<
  string,
  (a: AnyAdapter, k: CheckpointKey, ttl: unknown) => Promise<unknown>
> = {
  exists: (a, k) => a.checkpoints.exists(k),
  insert: (a, k, ttl) => a.checkpoints.insert(k, ttl as { ttlMs: number }),
  tryInsert: (a, k, ttl) => a.checkpoints.tryInsert(k, ttl as { ttlMs: number }),
  insertIn: (a, k, ttl) =>
    a.transaction(async (tx) => a.checkpoints.insertIn(tx, k, ttl as { ttlMs: number })),
  runOnce: (a, k, ttl) => a.checkpoints.runOnce(k, ttl as { ttlMs: number }, async () => 'ran'),
  claim: (a, k, ttl) =>
    a.checkpoints.claim(k, { leaseMs: (ttl as { ttlMs: number }).ttlMs, owner: 'w1' }),
};

const badKeys: { field: string; what: string; key: CheckpointKey }[] = [
  { field: 'key.project', what: 'an upper-case project', key: key({ project: 'Proj' }) },
  { field: 'key.project', what: 'an empty project', key: key({ project: '' }) },
  { field: 'key.project', what: 'a 41-character project', key: key({ project: 'p'.repeat(41) }) },
  { field: 'key.resourceId', what: 'an empty resourceId', key: key({ resourceId: '' }) },
  {
    field: 'key.resourceId',
    what: 'a 1025-byte resourceId',
    key: key({ resourceId: `${'é'.repeat(512)}x` }),
  },
  {
    field: 'key.resourceId',
    what: 'a resourceId with a lone surrogate',
    key: key({ resourceId: 'a\uD800b' }),
  },
  {
    field: 'key.processId',
    what: 'a processId with a space',
    key: key({ processId: 'ingest results' }),
  },
  {
    field: 'key.processId',
    what: 'a 65-character processId',
    key: key({ processId: 'p'.repeat(65) }),
  },
  {
    field: 'key.uniquifier',
    what: 'a 1025-byte uniquifier',
    key: key({ uniquifier: 'u'.repeat(1025) }),
  },
];

const validationCases: ConformanceCase[] = Object.entries(keyMethods).flatMap(([method, call]) => {
  const perKey = badKeys.map(
    (bad): ConformanceCase => ({
      id: `checkpoints/validation/${method}-${bad.what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
      spec: `§1 Validation applies to every method: ${method} rejects ${bad.what} with a ValidationError naming ${bad.field}, writing nothing`,
      async run(ctx: Ctx) {
        const a = await ctx.adapter();
        await expectError(call(a, bad.key, TTL), ValidationError, bad.field);
        expect(await a.checkpoints.readAllForTesting()).toEqual([]);
      },
    }),
  );
  if (method === 'exists') return perKey;
  const ttlField = method === 'claim' ? 'leaseMs' : 'ttlMs';
  return [
    ...perKey,
    {
      id: `checkpoints/validation/${method}-bad-ttl`,
      spec: `§1 ttlMs a positive integer: ${method} rejects 0, negative, fractional, NaN and non-number durations, writing nothing`,
      async run(ctx: Ctx) {
        const a = await ctx.adapter();
        for (const ttlMs of [0, -5, 1.5, Number.NaN, '60000', undefined]) {
          await expectError(call(a, key(), { ttlMs }), ValidationError, ttlField);
        }
        expect(await a.checkpoints.readAllForTesting()).toEqual([]);
      },
    },
  ];
});

export const checkpointCases: ConformanceCase[] = cases([
  ...validationCases,
  {
    id: 'checkpoints/validation/prefix-reads',
    spec: '§1 Validation applies to every method, reads included: readAllUniquifiers and listUniquifiers check project, resourceId and processId',
    async run(ctx) {
      const a = await ctx.adapter();
      await expectError(
        a.checkpoints.readAllUniquifiers('Bad', 'r', 'p'),
        ValidationError,
        'project',
      );
      await expectError(
        a.checkpoints.readAllUniquifiers('proj', '', 'p'),
        ValidationError,
        'resourceId',
      );
      await expectError(
        a.checkpoints.readAllUniquifiers('proj', 'r', 'P!'),
        ValidationError,
        'processId',
      );
      const iterate = async (pageSize: unknown): Promise<void> => {
        for await (const _ of a.checkpoints.listUniquifiers('proj', 'r', 'p', {
          pageSize: pageSize as number,
        })) {
          // drain
        }
      };
      await expectError(iterate(0), ValidationError, 'pageSize');
      await expectError(iterate(2.5), ValidationError, 'pageSize');
      await expectError(
        async () => {
          for await (const _ of a.checkpoints.listUniquifiers('proj', 'r', 'bad id')) {
            // drain
          }
        },
        ValidationError,
        'processId',
      );
    },
  },
  {
    id: 'checkpoints/validation/boundaries-accepted',
    spec: '§1 Validation: the longest valid project (40), processId (64, with "/"), resourceId and uniquifier (1024 bytes UTF-8) and an empty uniquifier are accepted',
    async run(ctx) {
      const a = await ctx.adapter();
      const longest = key({
        project: 'a-'.repeat(20),
        processId: 'x/'.repeat(32),
        resourceId: `${'€'.repeat(341)}r`, // 1024 bytes
        uniquifier: '😀'.repeat(256), // 1024 bytes
      });
      await a.checkpoints.insert(longest, TTL);
      expect(await a.checkpoints.exists(longest)).toBe(true);
      await a.checkpoints.insert(key({ uniquifier: '' }), TTL);
      expect(await a.checkpoints.exists(key({ uniquifier: undefined }))).toBe(true);
    },
  },
  {
    id: 'checkpoints/insert/exists-after-insert',
    spec: '§1 insert marks the step done: exists is true afterwards and false before',
    async run(ctx) {
      const a = await ctx.adapter();
      expect(await a.checkpoints.exists(key())).toBe(false);
      await a.checkpoints.insert(key(), TTL);
      expect(await a.checkpoints.exists(key())).toBe(true);
      expect(await a.checkpoints.exists(key({ uniquifier: 'other' }))).toBe(false);
    },
  },
  {
    id: 'checkpoints/insert/times-from-clock',
    spec: '§0 One clock: creation and expiry times come from the adapter clock',
    async run(ctx) {
      const a = await ctx.adapter();
      ctx.clock.advance(12_345);
      const cp = await a.checkpoints.insert(key(), { ttlMs: 90_000 });
      expect(cp.creationTime.getTime()).toBe(ctx.clock.now());
      expect(cp.expiryTime.getTime()).toBe(ctx.clock.now() + 90_000);
      const [stored] = await a.checkpoints.readAllForTesting();
      expect(stored?.creationTime.getTime()).toBe(ctx.clock.now());
      expect(stored?.expiryTime.getTime()).toBe(ctx.clock.now() + 90_000);
      expect(stored?.key).toEqual({ ...key(), uniquifier: '' });
    },
  },
  {
    id: 'checkpoints/insert/already-exists-carries-record',
    spec: '§1 insert: AlreadyExistsError if live, carrying the existing record',
    async run(ctx) {
      const a = await ctx.adapter();
      const first = await a.checkpoints.insert(key(), TTL);
      ctx.clock.advance(MINUTE_MS);
      const error = await expectError(
        a.checkpoints.insert(key(), { ttlMs: DAY_MS }),
        AlreadyExistsError,
      );
      const existing = error.existing as Checkpoint;
      expect(existing.creationTime.getTime()).toBe(first.creationTime.getTime());
      expect(existing.expiryTime.getTime()).toBe(first.expiryTime.getTime());
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(error.retryable).toBe(false);
    },
  },
  {
    id: 'checkpoints/insert/try-insert-false-when-live',
    spec: '§1 tryInsert: false if live, no error, and the live checkpoint is unchanged',
    async run(ctx) {
      const a = await ctx.adapter();
      expect(await a.checkpoints.tryInsert(key(), TTL)).toBe(true);
      ctx.clock.advance(MINUTE_MS);
      expect(await a.checkpoints.tryInsert(key(), { ttlMs: DAY_MS })).toBe(false);
      const [stored] = await a.checkpoints.readAllForTesting();
      expect(stored?.expiryTime.getTime()).toBe(ctx.clock.now() - MINUTE_MS + HOUR_MS);
    },
  },
  {
    id: 'checkpoints/insert/concurrent-one-winner',
    spec: '§1 insert and tryInsert racing on one key from several processes: exactly one succeeds; the others get AlreadyExistsError or false',
    timeoutMs: 120_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      for (let round = 0; round < 8; round++) {
        const contended = key({ uniquifier: `race-${round}` });
        const outcomes = await parallel(adapters.length * 2, async (i) => {
          const a = adapters[i % adapters.length] as AnyAdapter;
          // Each process races with both methods, the two kinds interleaved.
          if ((i + round) % 2 === 0) return a.checkpoints.tryInsert(contended, TTL);
          try {
            await a.checkpoints.insert(contended, TTL);
            return true;
          } catch (error) {
            if (error instanceof AlreadyExistsError) return false;
            throw error;
          }
        });
        expect(
          outcomes.filter(Boolean),
          `of insert and tryInsert racing on one key (round ${round}) exactly one succeeds`,
        ).toHaveLength(1);
      }
    },
  },
  {
    id: 'checkpoints/expiry/exists-false-after-expiry',
    spec: '§1 exists is false for absent and for expired keys (expiry checked on read against the clock)',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), { ttlMs: 1000 });
      ctx.clock.advance(999);
      expect(await a.checkpoints.exists(key())).toBe(true);
      ctx.clock.advance(1);
      expect(await a.checkpoints.exists(key())).toBe(false);
    },
  },
  {
    id: 'checkpoints/expiry/reinsert-after-expiry',
    spec: '§1 An expired key may be inserted again (insert, tryInsert)',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), { ttlMs: 1000 });
      ctx.clock.advance(1000);
      const again = await a.checkpoints.insert(key(), { ttlMs: 5000 });
      expect(again.creationTime.getTime()).toBe(ctx.clock.now());
      expect(await a.checkpoints.exists(key())).toBe(true);
      ctx.clock.advance(5000);
      expect(await a.checkpoints.tryInsert(key(), TTL)).toBe(true);
      expect(await a.checkpoints.readAllForTesting()).toHaveLength(1);
    },
  },
  {
    id: 'checkpoints/expiry/expired-never-served',
    spec: '§0 Native TTL is garbage collection only: an expired-but-unswept record is never served',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ uniquifier: 'u1' }), { ttlMs: 1000 });
      await a.checkpoints.insert(key({ uniquifier: 'u2' }), { ttlMs: DAY_MS });
      ctx.clock.advance(HOUR_MS);
      expect(await a.checkpoints.exists(key({ uniquifier: 'u1' }))).toBe(false);
      expect([
        ...(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest/results')),
      ]).toEqual(['u2']);
      const result = await a.checkpoints.runOnce(
        key({ uniquifier: 'u1' }),
        TTL,
        async () => 'again',
      );
      expect(result).toEqual({ ran: true, value: 'again' });
    },
  },
  {
    id: 'checkpoints/uniquifiers/live-only',
    spec: '§1 readAllUniquifiers returns live uniquifiers only',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ uniquifier: 'short' }), { ttlMs: 1000 });
      await a.checkpoints.insert(key({ uniquifier: 'long' }), TTL);
      await a.checkpoints.insert(key({ uniquifier: '' }), TTL);
      const claim = await a.checkpoints.claim(key({ uniquifier: 'claimed' }), {
        leaseMs: HOUR_MS,
        owner: 'w',
      });
      expect(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest/results')).toEqual(
        new Set(['short', 'long', '']),
      );
      ctx.clock.advance(1000);
      expect(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest/results')).toEqual(
        new Set(['long', '']),
      );
      await claim.complete(TTL);
      expect(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest/results')).toEqual(
        new Set(['long', '', 'claimed']),
      );
    },
  },
  {
    id: 'checkpoints/uniquifiers/scoped-to-prefix',
    spec: '§1 readAllUniquifiers returns the uniquifiers of one (project, resourceId, processId) and no other',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ uniquifier: 'mine' }), TTL);
      await a.checkpoints.insert(key({ processId: 'ingest/results/sub', uniquifier: 'sub' }), TTL);
      await a.checkpoints.insert(key({ processId: 'ingest', uniquifier: 'parent' }), TTL);
      await a.checkpoints.insert(key({ resourceId: 'inv-10', uniquifier: 'res' }), TTL);
      await a.checkpoints.insert(key({ project: 'proj2', uniquifier: 'tenant' }), TTL);
      expect(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest/results')).toEqual(
        new Set(['mine']),
      );
      expect(await a.checkpoints.readAllUniquifiers('proj', 'inv-1', 'ingest')).toEqual(
        new Set(['parent']),
      );
      expect(await a.checkpoints.readAllUniquifiers('nobody', 'inv-1', 'ingest')).toEqual(
        new Set(),
      );
    },
  },
  {
    id: 'checkpoints/uniquifiers/list-pages',
    spec: '§1 listUniquifiers pages through large sets: every live uniquifier once, in byte-wise order',
    // 1,203 writes into one scope: on a store that serializes a scope's transactions (Datastore's
    // emulator: one entity group) under a busy CI machine, minutes.
    timeoutMs: 600_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const all = Array.from({ length: 1203 }, (_, i) => `u${String(i).padStart(5, '0')}`);
      for (let i = 0; i < all.length; i += 50) {
        await Promise.all(
          all.slice(i, i + 50).map((u) => a.checkpoints.insert(key({ uniquifier: u }), TTL)),
        );
      }
      const seen = await listAll(a, 100);
      expect(seen).toEqual(all);
      const exact = await listAll(a, 1203);
      expect(exact).toHaveLength(1203);
    },
  },
  {
    id: 'checkpoints/uniquifiers/byte-order',
    spec: '§1 sortKeys and listUniquifiers order byte-wise (UTF-8), not by UTF-16 code units',
    async run(ctx) {
      const a = await ctx.adapter();
      // UTF-16 code units put U+1F600 (D83D DE00) before U+FF5E; UTF-8 bytes put it after
      // (F0 9F 98 80 > EF BD 9E). Storage sorts bytes, so both orders must follow the bytes.
      const order = ['', 'A', 'a', 'é', '～', '😀'];
      for (const u of [...order].reverse()) await a.checkpoints.insert(key({ uniquifier: u }), TTL);
      const seen = await listAll(a, 2);
      expect(seen).toEqual(order);
      const keys = [...order].reverse().map((u) => key({ uniquifier: u }));
      sortKeys(keys);
      expect(keys.map((k) => k.uniquifier)).toEqual(order);
      const mixed = [
        key({ project: 'b' }),
        key({ project: 'a', resourceId: 'z' }),
        key({ project: 'a', resourceId: 'y', processId: 'q' }),
      ];
      sortKeys(mixed);
      expect(mixed.map((k) => `${k.project}/${k.resourceId}/${k.processId}`)).toEqual([
        'a/y/q',
        'a/z/ingest/results',
        'b/inv-1/ingest/results',
      ]);
    },
  },
  {
    id: 'checkpoints/uniquifiers/later-pages-skip-expired',
    spec: '§1 listUniquifiers pages through large sets: expired records and claims are left out of every page, the later ones too',
    async run(ctx) {
      const a = await ctx.adapter();
      const live: string[] = [];
      for (let i = 0; i < 30; i++) {
        const u = `u${String(i).padStart(2, '0')}`;
        // Scattered, a run longer than a page in the middle, and the whole tail.
        const expires = i % 3 === 1 || (i >= 10 && i < 18) || i >= 27;
        if (u === 'u24') {
          await a.checkpoints.claim(key({ uniquifier: u }), { leaseMs: HOUR_MS, owner: 'w' });
          continue;
        }
        await a.checkpoints.insert(key({ uniquifier: u }), expires ? { ttlMs: 1000 } : TTL);
        if (!expires) live.push(u);
      }
      ctx.clock.advance(1000);
      for (const pageSize of [1, 4, 7, 100]) {
        const seen = await listAll(a, pageSize);
        expect(
          seen,
          `listUniquifiers in pages of ${pageSize} leaves expired records and claims out of every page`,
        ).toEqual(live);
      }
    },
  },
  {
    id: 'checkpoints/uniquifiers/order-by-key-not-time',
    spec: '§1 listUniquifiers orders byte-wise by key, never by time: records written at different instants, and several sharing one',
    async run(ctx) {
      const a = await ctx.adapter();
      // Written largest key first, in three instants: by time (or by expiry) the order differs.
      const instants = [
        ['😀', 'é', 'z'],
        ['y', 'm', 'B'], // 'B' < 'a' byte-wise, though not case-insensitively
        ['b', 'a', 'A'],
      ];
      for (const written of instants) {
        for (const u of written) await a.checkpoints.insert(key({ uniquifier: u }), TTL);
        ctx.clock.advance(10);
      }
      const byteOrder = ['A', 'B', 'a', 'b', 'm', 'y', 'z', 'é', '😀'];
      for (const pageSize of [3, 100]) {
        const seen = await listAll(a, pageSize);
        expect(
          seen,
          `listUniquifiers (pages of ${pageSize}) orders byte-wise by key, never by creation time`,
        ).toEqual(byteOrder);
      }
    },
  },
  {
    id: 'checkpoints/run-once/runs-and-inserts',
    spec: '§1 runOnce: if not live, calls work(tx) and inserts the checkpoint; returns ran:true with the value',
    async run(ctx) {
      const a = await ctx.adapter();
      const result = await a.checkpoints.runOnce(key(), TTL, async (tx) => {
        await ctx.probe.writeInTx(tx, 'effect', 'applied');
        return 42;
      });
      expect(result).toEqual({ ran: true, value: 42 });
      expect(await a.checkpoints.exists(key())).toBe(true);
      expect(await ctx.probe.read(a, 'effect')).toBe('applied');
    },
  },
  {
    id: 'checkpoints/run-once/live-skips-work',
    spec: '§1 runOnce: if live, returns ran:false (with the checkpoint) without calling work',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.runOnce(key(), TTL, async () => 1);
      let called = false;
      const second = await a.checkpoints.runOnce(key(), TTL, async () => {
        called = true;
        return 2;
      });
      expect(called).toBe(false);
      expect(second.ran).toBe(false);
      if (!second.ran) expect(second.checkpoint.key).toEqual({ ...key(), uniquifier: '' });
    },
  },
  {
    id: 'checkpoints/run-once/work-throws-writes-nothing',
    spec: '§1 runOnce: if work throws, nothing is written and the error propagates',
    async run(ctx) {
      const a = await ctx.adapter();
      const boom = new Error('work failed');
      await expect(
        a.checkpoints.runOnce(key(), TTL, async (tx) => {
          await ctx.probe.writeInTx(tx, 'effect', 'half');
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await a.checkpoints.exists(key())).toBe(false);
      expect(await ctx.probe.read(a, 'effect')).toBeNull();
      expect(await a.checkpoints.readAllForTesting()).toEqual([]);
    },
  },
  {
    id: 'checkpoints/run-once/atomic-with-user-writes',
    spec: "§1 runOnce commits work's writes and the checkpoint in the same transaction: both or neither",
    async run(ctx) {
      const a = await ctx.adapter();
      for (let i = 0; i < 5; i++) {
        await a.checkpoints.runOnce(key({ uniquifier: `u${i}` }), TTL, async (tx) => {
          await ctx.probe.writeInTx(tx, `effect-${i}`, `v${i}`);
        });
      }
      for (let i = 0; i < 5; i++) {
        expect(await ctx.probe.read(a, `effect-${i}`)).toBe(`v${i}`);
        expect(await a.checkpoints.exists(key({ uniquifier: `u${i}` }))).toBe(true);
      }
    },
  },
  {
    id: 'checkpoints/run-once/reruns-after-expiry',
    spec: '§1 An expired key may be inserted again: runOnce runs work again once the checkpoint expired',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.runOnce(key(), { ttlMs: 1000 }, async () => 1);
      ctx.clock.advance(1000);
      const again = await a.checkpoints.runOnce(key(), { ttlMs: 1000 }, async () => 2);
      expect(again).toEqual({ ran: true, value: 2 });
    },
  },
  {
    id: 'checkpoints/run-once/concurrent-exactly-once',
    spec: "§1 N concurrent runOnce on one key, from one or many processes: work's writes are committed exactly once",
    timeoutMs: 120_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const perAdapter = 4;
      const results = await parallel(adapters.length * perAdapter, async (i) => {
        const a = adapters[i % adapters.length] as AnyAdapter;
        return a.checkpoints.runOnce(key(), TTL, async (tx) => {
          await ctx.probe.writeInTx(tx, `effect-${i}`, 'applied');
          return i;
        });
      });
      const winners = results.filter((r) => r.ran);
      expect(winners).toHaveLength(1);
      const applied = await Promise.all(
        results.map((_, i) => ctx.probe.read(adapters[0] as AnyAdapter, `effect-${i}`)),
      );
      expect(applied.filter((v) => v !== null)).toHaveLength(1);
      const winner = winners[0] as { ran: true; value: number };
      expect(applied[winner.value]).toBe('applied');
    },
  },
  {
    id: 'checkpoints/run-once/concurrent-many-keys',
    spec: "§1 Concurrent runOnce over many keys from several processes: each key's work is committed exactly once",
    timeoutMs: 180_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const keys = 25;
      const ran = await parallel(adapters.length, async (p) => {
        let count = 0;
        for (let k = 0; k < keys; k++) {
          const u = (k + p * 7) % keys; // each process walks the keys from a different start
          const r = await (adapters[p] as AnyAdapter).checkpoints.runOnce(
            key({ uniquifier: `k${u}` }),
            TTL,
            async (tx) => {
              await ctx.probe.writeInTx(tx, `effect-${u}-${p}`, 'x');
            },
          );
          if (r.ran) count++;
        }
        return count;
      });
      expect(ran.reduce((s, n) => s + n, 0)).toBe(keys);
      for (let u = 0; u < keys; u++) {
        const writers = await Promise.all(
          adapters.map((_, p) => ctx.probe.read(adapters[0] as AnyAdapter, `effect-${u}-${p}`)),
        );
        expect(writers.filter((v) => v !== null)).toHaveLength(1);
      }
    },
  },
  {
    id: 'checkpoints/insert-in/commits-with-user-writes',
    spec: "§1 insertIn: the checkpoint commits in the same transaction as the step's own writes",
    async run(ctx) {
      const a = await ctx.adapter();
      await a.transaction(async (tx) => {
        await ctx.probe.writeInTx(tx, 'effect', 'done');
        await a.checkpoints.insertIn(tx, key(), TTL);
      });
      expect(await a.checkpoints.exists(key())).toBe(true);
      expect(await ctx.probe.read(a, 'effect')).toBe('done');
    },
  },
  {
    id: 'checkpoints/insert-in/rollback-writes-nothing',
    spec: '§1 insertIn: when the transaction fails, neither the checkpoint nor the user writes are committed',
    async run(ctx) {
      const a = await ctx.adapter();
      await expect(
        a.transaction(async (tx) => {
          await a.checkpoints.insertIn(tx, key(), TTL);
          await ctx.probe.writeInTx(tx, 'effect', 'done');
          throw new Error('step failed');
        }),
      ).rejects.toThrow('step failed');
      expect(await a.checkpoints.exists(key())).toBe(false);
      expect(await ctx.probe.read(a, 'effect')).toBeNull();
    },
  },
  {
    id: 'checkpoints/insert-in/live-fails-transaction',
    spec: '§1 insertIn on a live key fails the transaction with AlreadyExistsError; the user writes are not committed',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), TTL);
      await expectError(
        a.transaction(async (tx) => {
          await ctx.probe.writeInTx(tx, 'effect', 'twice');
          await a.checkpoints.insertIn(tx, key(), TTL);
        }),
        AlreadyExistsError,
      );
      expect(await ctx.probe.read(a, 'effect')).toBeNull();
    },
  },
  {
    id: 'checkpoints/insert-in/over-expired',
    spec: '§1 An expired key may be inserted again: insertIn replaces an expired checkpoint',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), { ttlMs: 10 });
      ctx.clock.advance(10);
      await a.transaction(async (tx) => a.checkpoints.insertIn(tx, key(), TTL));
      expect(await a.checkpoints.exists(key())).toBe(true);
      const [stored] = await a.checkpoints.readAllForTesting();
      expect(stored?.expiryTime.getTime()).toBe(ctx.clock.now() + HOUR_MS);
    },
  },
  {
    id: 'checkpoints/claim/in-progress-until-complete',
    spec: '§1 claim: the key is in progress until complete (becomes a normal checkpoint)',
    async run(ctx) {
      const a = await ctx.adapter();
      const claim = await a.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'worker-1' });
      expect(typeof claim.token).toBe('string');
      expect(claim.owner).toBe('worker-1');
      expect(claim.leaseExpiryTime.getTime()).toBe(ctx.clock.now() + MINUTE_MS);
      expect(await a.checkpoints.exists(key())).toBe(false);
      expect(await a.checkpoints.tryInsert(key(), TTL)).toBe(false);
      ctx.clock.advance(1000);
      const done = await claim.complete({ ttlMs: DAY_MS });
      expect(done.expiryTime.getTime()).toBe(ctx.clock.now() + DAY_MS);
      expect(await a.checkpoints.exists(key())).toBe(true);
      ctx.clock.advance(MINUTE_MS);
      expect(await a.checkpoints.exists(key())).toBe(true);
    },
  },
  {
    id: 'checkpoints/claim/live-checkpoint-already-exists',
    spec: '§1 claim: claiming a live checkpoint → AlreadyExistsError',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), TTL);
      const error = await expectError(
        a.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'w' }),
        AlreadyExistsError,
      );
      expect((error.existing as Partial<InProgressCheckpoint>).inProgress).toBeUndefined();
    },
  },
  {
    id: 'checkpoints/claim/held-lease-already-exists',
    spec: '§1 claim: claiming an unexpired lease held by another → AlreadyExistsError with the in-progress record',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      await a.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'worker-a' });
      const error = await expectError(
        b.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'worker-b' }),
        AlreadyExistsError,
      );
      const existing = error.existing as InProgressCheckpoint;
      expect(existing.inProgress).toBe(true);
      expect(existing.owner).toBe('worker-a');
      expect(existing.leaseExpiryTime.getTime()).toBe(ctx.clock.now() + MINUTE_MS);
      await expectError(b.checkpoints.insert(key(), TTL), AlreadyExistsError);
      await expectError(
        b.checkpoints.runOnce(key(), TTL, async () => 0),
        AlreadyExistsError,
      );
    },
  },
  {
    id: 'checkpoints/claim/lease-expiry-fences-old-token',
    spec: "§1 claim: when the lease runs out another worker may claim it; the old token's complete then fails with LeaseLostError",
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const first = await a.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'slow' });
      ctx.clock.advance(MINUTE_MS);
      const second = await b.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: 'fast' });
      expect(second.token).not.toBe(first.token);
      await expectError(first.complete(TTL), LeaseLostError);
      await expectError(first.renew({ leaseMs: MINUTE_MS }), LeaseLostError);
      expect(await a.checkpoints.exists(key())).toBe(false);
      await second.complete(TTL);
      expect(await a.checkpoints.exists(key())).toBe(true);
    },
  },
  {
    id: 'checkpoints/claim/complete-after-expiry-unclaimed',
    spec: '§1 claim (README decision): a claim whose lease ran out can still complete while nobody else claimed the key',
    async run(ctx) {
      const a = await ctx.adapter();
      const claim = await a.checkpoints.claim(key(), { leaseMs: 1000, owner: 'w' });
      ctx.clock.advance(5000);
      await claim.complete(TTL);
      expect(await a.checkpoints.exists(key())).toBe(true);
    },
  },
  {
    id: 'checkpoints/claim/release',
    spec: '§1 claim: release gives the key up so that another worker may claim it at once',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const first = await a.checkpoints.claim(key(), { leaseMs: HOUR_MS, owner: 'a' });
      await first.release();
      const second = await b.checkpoints.claim(key(), { leaseMs: HOUR_MS, owner: 'b' });
      await first.release(); // already lost: does nothing
      await expectError(first.complete(TTL), LeaseLostError);
      await second.complete(TTL);
      expect(await b.checkpoints.exists(key())).toBe(true);
    },
  },
  {
    id: 'checkpoints/claim/renew',
    spec: '§1 claim: renew extends the lease, so that nobody else can claim after the original deadline',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const claim = await a.checkpoints.claim(key(), { leaseMs: 1000, owner: 'a' });
      ctx.clock.advance(900);
      await claim.renew({ leaseMs: 1000 });
      ctx.clock.advance(900);
      await expectError(
        b.checkpoints.claim(key(), { leaseMs: 1000, owner: 'b' }),
        AlreadyExistsError,
      );
      ctx.clock.advance(100);
      await b.checkpoints.claim(key(), { leaseMs: 1000, owner: 'b' });
    },
  },
  {
    id: 'checkpoints/claim/concurrent-one-winner',
    spec: '§1 claim: of concurrent claims on one key from several processes, exactly one wins',
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const outcomes = await Promise.allSettled(
        adapters.map((a, i) => a.checkpoints.claim(key(), { leaseMs: MINUTE_MS, owner: `w${i}` })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(AlreadyExistsError);
    },
  },
  {
    id: 'checkpoints/claim/validation',
    spec: '§1 claim: owner must be a non-empty name; nothing is written on bad input',
    async run(ctx) {
      const a = await ctx.adapter();
      await expectError(
        a.checkpoints.claim(key(), { leaseMs: 1000, owner: '' }),
        ValidationError,
        'owner',
      );
      await expectError(
        a.checkpoints.claim(key(), { leaseMs: 1000, owner: 7 as unknown as string }),
        ValidationError,
        'owner',
      );
      const claim = await a.checkpoints.claim(key(), { leaseMs: 1000, owner: 'w' });
      await expectError(claim.complete({ ttlMs: -1 }), ValidationError, 'ttlMs');
      await expectError(claim.renew({ leaseMs: 0 }), ValidationError, 'leaseMs');
      expect(await a.checkpoints.exists(key())).toBe(false);
    },
  },
  {
    id: 'checkpoints/purge/expired-only',
    spec: '§1 purgeExpired deletes expired checkpoints and expired claims, returns how many, and keeps live ones',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ uniquifier: 'old' }), { ttlMs: 1000 });
      await a.checkpoints.insert(key({ uniquifier: 'new' }), TTL);
      await a.checkpoints.claim(key({ uniquifier: 'lease' }), { leaseMs: 1000, owner: 'w' });
      await a.checkpoints.claim(key({ uniquifier: 'lease2' }), { leaseMs: HOUR_MS, owner: 'w' });
      expect(await a.checkpoints.purgeExpired()).toBe(0);
      ctx.clock.advance(1000);
      expect(await a.checkpoints.purgeExpired()).toBe(2);
      expect(await a.checkpoints.purgeExpired()).toBe(0);
      expect((await a.checkpoints.readAllForTesting()).map((c) => c.key.uniquifier)).toEqual([
        'new',
      ]);
      await expectError(
        a.checkpoints.claim(key({ uniquifier: 'lease2' }), { leaseMs: 1, owner: 'x' }),
        AlreadyExistsError,
      );
    },
  },
  {
    id: 'checkpoints/testing/set-and-read-all',
    spec: '§1 setForTesting replaces the set of stored checkpoints; readAllForTesting reads them all, sorted by key',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ uniquifier: 'gone' }), TTL);
      const now = ctx.clock.now();
      const wanted: Checkpoint[] = [
        {
          key: { ...key({ uniquifier: 'b' }), uniquifier: 'b' },
          creationTime: new Date(now - 5000),
          expiryTime: new Date(now - 1000),
        },
        {
          key: { ...key({ uniquifier: 'a' }), uniquifier: 'a' },
          creationTime: new Date(now),
          expiryTime: new Date(now + HOUR_MS),
        },
      ];
      await a.checkpoints.setForTesting(wanted);
      const all = await a.checkpoints.readAllForTesting();
      expect(all).toEqual([wanted[1], wanted[0]]);
      expect(await a.checkpoints.exists(key({ uniquifier: 'gone' }))).toBe(false);
      expect(await a.checkpoints.exists(key({ uniquifier: 'a' }))).toBe(true);
      expect(await a.checkpoints.exists(key({ uniquifier: 'b' }))).toBe(false);
    },
  },
  {
    id: 'checkpoints/testing/set-validates-all-first',
    spec: '§0 A call that fails validation writes nothing: setForTesting with one bad entry keeps the old set',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key(), TTL);
      const now = new Date(ctx.clock.now());
      await expectError(
        a.checkpoints.setForTesting([
          {
            key: { ...key({ uniquifier: 'ok' }), uniquifier: 'ok' },
            creationTime: now,
            expiryTime: now,
          },
          {
            key: { ...key({ project: 'BAD' }), uniquifier: '' },
            creationTime: now,
            expiryTime: now,
          },
        ]),
        ValidationError,
        'checkpoints[1].key.project',
      );
      expect((await a.checkpoints.readAllForTesting()).map((c) => c.key.uniquifier)).toEqual(['']);
    },
  },
]);
