/** The contract, §5 (docs/contract.md) — sharded node state. */
import { expect } from 'vitest';
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../errors.js';
import type { Codec, NodeStore } from '../../nodes/types.js';
import type { ConformanceCase } from '../harness.js';
import {
  type AnyAdapter,
  bytes,
  cases,
  expectError,
  MIB,
  MINUTE_MS,
  parallel,
  processes,
} from './support.js';

interface Counter {
  count: number;
  log: string[];
}

/** Identity codec over raw bytes, for exact-size states. */
const rawCodec: Codec<Uint8Array> = { encode: (s) => s, decode: (b) => new Uint8Array(b) };

/** A state of `n` numbered lines, big and compressible-free enough to span many shards. */
function lines(n: number, seed = 0): string[] {
  return Array.from({ length: n }, (_, i) => `line ${i} ${((i + seed) * 2654435761) >>> 0}`);
}

export const nodeCases: ConformanceCase[] = cases([
  {
    id: 'nodes/create/get-roundtrip',
    spec: '§5 create(initial) then get() returns the state; a new node is generation 1',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().for('pool-1');
      await store.create({ count: 0, log: ['created'] });
      expect(store.generation).toBe(1);
      expect(await a.nodes<Counter>().new('pool-1').get()).toEqual({ count: 0, log: ['created'] });
      expect(await a.nodes().list()).toEqual(['pool-1']);
    },
  },
  {
    id: 'nodes/create/already-exists',
    spec: '§5 create: AlreadyExistsError when the id exists',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.nodes<Counter>().for('pool-1').create({ count: 1, log: [] });
      await expectError(
        a.nodes<Counter>().new('pool-1').create({ count: 2, log: [] }),
        AlreadyExistsError,
      );
      expect((await a.nodes<Counter>().new('pool-1').get()).count).toBe(1);
    },
  },
  {
    id: 'nodes/get/not-found',
    spec: '§5 get: NotFoundError (and run on an absent id too)',
    async run(ctx) {
      const a = await ctx.adapter();
      await expectError(a.nodes().for('nobody').get(), NotFoundError);
      await expectError(
        a
          .nodes()
          .for('nobody')
          .run(() => undefined),
        NotFoundError,
      );
      expect(await a.nodes().list()).toEqual([]);
    },
  },
  {
    id: 'nodes/run/generation-plus-one',
    spec: '§5 Each successful run increments the generation by exactly 1',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().for('pool-1');
      await store.create({ count: 0, log: [] });
      for (let i = 1; i <= 3; i++) {
        const { generation } = await store.run((s) => {
          s.count++;
        });
        expect(generation).toBe(i + 1);
      }
      expect((await a.nodes<Counter>().new('pool-1').get()).count).toBe(3);
      const { generation } = await store.run((s) => ({ ...s, count: 100 }));
      expect(generation).toBe(5);
      expect((await store.get()).count).toBe(100);
    },
  },
  {
    id: 'nodes/run/fresh-state-per-attempt',
    spec: '§5 modify always gets a freshly decoded state (never an object shared with the cache or an earlier attempt)',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().new('pool-1');
      const rival = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 0, log: [] });
      const fromGet = await store.get();
      fromGet.count = 999; // a caller scribbling on what get() returned changes nothing stored
      const seen: Counter[] = [];
      await store.run(async (s) => {
        seen.push(s);
        s.log.push(`attempt ${seen.length}`);
        if (seen.length === 1) await rival.run((r) => ({ ...r, count: r.count + 10 }));
        s.count++;
      });
      expect(seen).toHaveLength(2);
      expect(seen[0]).not.toBe(seen[1]);
      expect(seen[1]?.log).toEqual(['attempt 2']);
      expect(await store.get()).toEqual({ count: 11, log: ['attempt 2'] });
      expect(await store.get()).not.toBe(await store.get());
    },
  },
  {
    id: 'nodes/run/no-lost-update-two-stores',
    spec: '§5 Two new() stores on one id behave like two processes (no lost update)',
    timeoutMs: 120_000,
    async run(ctx) {
      const a = await ctx.adapter();
      await a.nodes<Counter>().for('pool-1').create({ count: 0, log: [] });
      const stores = [
        a.nodes<Counter>({ maxAttempts: 200 }).new('pool-1'),
        a.nodes<Counter>({ maxAttempts: 200 }).new('pool-1'),
      ];
      await parallel(2, async (i) => {
        for (let n = 0; n < 10; n++) {
          await (stores[i] as NodeStore<Counter, unknown>).run((s) => {
            s.count++;
          });
        }
      });
      const final = await a.nodes<Counter>().new('pool-1').get();
      expect(final.count).toBe(20);
    },
  },
  {
    id: 'nodes/run/no-lost-update-processes',
    spec: '§5 optimistic concurrency: on a generation conflict run re-reads and retries — several processes lose no update',
    timeoutMs: 180_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      await (adapters[0] as AnyAdapter)
        .nodes<Counter>()
        .for('pool-1')
        .create({ count: 0, log: [] });
      const generations = await parallel(adapters.length, async (p) => {
        const store = (adapters[p] as AnyAdapter)
          .nodes<Counter>({ maxAttempts: 200 })
          .for('pool-1');
        const seen: number[] = [];
        for (let n = 0; n < 5; n++) {
          seen.push(
            (
              await store.run((s) => {
                s.count++;
                s.log.push(`p${p}`);
              })
            ).generation,
          );
        }
        return seen;
      });
      const all = generations.flat();
      expect(new Set(all).size).toBe(all.length); // every generation granted once
      const final = await (adapters[0] as AnyAdapter).nodes<Counter>().new('pool-1').get();
      expect(final.count).toBe(adapters.length * 5);
      expect(Math.max(...all)).toBe(adapters.length * 5 + 1);
    },
  },
  {
    id: 'nodes/run/conflict-after-max-attempts',
    spec: '§5 after maxAttempts → ConflictError (expected vs actual)',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>({ maxAttempts: 2 }).new('pool-1');
      const rival = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 0, log: [] });
      let calls = 0;
      const error = await expectError(
        store.run(async (s) => {
          calls++;
          await rival.run((r) => ({ ...r, count: r.count + 1 }));
          s.count = -1;
        }),
        ConflictError,
      );
      expect(calls).toBe(2);
      expect(error.attempts).toBe(2);
      expect(error.expected).toBe(2);
      expect(error.actual).toBe(3);
      expect(error.retryable).toBe(true);
      expect((await rival.get()).count).toBe(2);
    },
  },
  {
    id: 'nodes/run/finish-once',
    spec: '§5 finish runs at most once, after the commit — even when modify ran more than once',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().new('pool-1');
      const rival = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 0, log: [] });
      let modifies = 0;
      let finishes = 0;
      let committedWhenFinished: number | null = null;
      await store.run({
        async modify(s) {
          modifies++;
          if (modifies === 1) await rival.run((r) => ({ ...r, count: 5 }));
          s.count++;
        },
        finish() {
          finishes++;
          committedWhenFinished = store.generation;
        },
      });
      expect(modifies).toBe(2);
      expect(finishes).toBe(1);
      expect(committedWhenFinished).toBe(3);
      let failedFinishes = 0;
      await expect(
        store.run({
          modify() {
            throw new Error('no');
          },
          finish() {
            failedFinishes++;
          },
        }),
      ).rejects.toThrow('no');
      expect(failedFinishes).toBe(0);
    },
  },
  {
    id: 'nodes/run/commit-in-winning-transaction',
    spec: '§5 Operator.commit(tx) runs inside the winning transaction: its writes commit with the new generation',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 0, log: [] });
      await store.run({
        modify(s) {
          s.count = 1;
        },
        async commit(tx) {
          await ctx.probe.writeInTx(tx, 'emitted-task', 'gen-2');
        },
      });
      expect(await ctx.probe.read(a, 'emitted-task')).toBe('gen-2');
      await expect(
        store.run({
          modify(s) {
            s.count = 2;
          },
          async commit(tx) {
            await ctx.probe.writeInTx(tx, 'emitted-task-2', 'gen-3');
            throw new Error('task queue full');
          },
        }),
      ).rejects.toThrow('task queue full');
      expect(await ctx.probe.read(a, 'emitted-task-2')).toBeNull();
      const fresh = a.nodes<Counter>().new('pool-1');
      expect((await fresh.get()).count).toBe(1);
      expect(fresh.generation).toBe(2);
    },
  },
  {
    id: 'nodes/run/modify-throws',
    spec: '§5 modify throwing writes nothing: the generation is unchanged',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 0, log: [] });
      await expect(
        store.run((s) => {
          s.count = 5;
          throw new Error('invalid transition');
        }),
      ).rejects.toThrow('invalid transition');
      const fresh = a.nodes<Counter>().new('pool-1');
      expect(await fresh.get()).toEqual({ count: 0, log: [] });
      expect(fresh.generation).toBe(1);
      expect(store.stats.shardsWritten).toBe(1);
    },
  },
  {
    id: 'nodes/cache/hit-reads-root-only',
    spec: '§5 get on a cache hit costs one small read of the root record; shards are read only when the generation moved',
    async run(ctx) {
      const a = await ctx.adapter();
      const writer = a.nodes<string[]>({ shardBytes: 4096 }).new('pool-1');
      await writer.create(lines(2000));
      const reader = a.nodes<string[]>({ shardBytes: 4096 }).new('pool-1');
      await reader.get();
      const cold = reader.stats;
      expect(cold.shardReads).toBeGreaterThan(5);
      await reader.get();
      await reader.get();
      expect(reader.stats.rootReads).toBe(cold.rootReads + 2);
      expect(reader.stats.shardReads).toBe(cold.shardReads);
      await writer.run((s) => {
        s[1000] = 'changed';
      });
      const changed = await reader.get();
      expect(changed[1000]).toBe('changed');
      const moved = reader.stats.shardReads - cold.shardReads;
      expect(moved).toBeGreaterThan(0);
      expect(moved).toBeLessThanOrEqual(3); // only the shards around the edit
    },
  },
  {
    id: 'nodes/cache/head-of-requested-id',
    spec: "§5 get on a cache hit reads the root head of its own id among many nodes: the node's new generation is seen, another node's is no miss",
    async run(ctx) {
      const a = await ctx.adapter();
      const nodes = a.nodes<Counter>();
      // Neighbours created before and after it, with the same state and generation as the
      // reader's cache: a head read of any other id would look like a hit.
      for (const id of ['pool', 'pool-10', 'pool-1', 'pool-2']) {
        const store = nodes.new(id);
        await store.create({ count: 0, log: [] });
        await store.run((s) => {
          s.count = 1;
        });
      }
      const reader = nodes.new('pool-1');
      expect((await reader.get()).count).toBe(1);
      await nodes.new('pool-1').run((s) => {
        s.count = 2;
      });
      expect(
        (await reader.get()).count,
        "a cache hit reads the head of the requested id, not another node's",
      ).toBe(2);
      const before = reader.stats;
      for (const id of ['pool', 'pool-10', 'pool-2']) {
        await nodes.new(id).run((s) => {
          s.count = 3;
        });
      }
      expect((await reader.get()).count).toBe(2);
      expect(
        [reader.stats.rootReads, reader.stats.shardReads],
        "another node's new generation is no cache miss for this one: one root read, no shard",
      ).toEqual([before.rootReads + 1, before.shardReads]);
    },
  },
  {
    id: 'nodes/state/large-payload',
    spec: '§0 Sizes: node state may be at least 16 MiB on every backend, sharded where the backend needs it',
    timeoutMs: 240_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const state = bytes(16 * MIB, 3);
      const store = a.nodes<Uint8Array>({ codec: rawCodec }).new('big');
      await store.create(state);
      const loaded = await a.nodes<Uint8Array>({ codec: rawCodec }).new('big').get();
      expect(loaded.byteLength).toBe(state.byteLength);
      expect(Buffer.compare(Buffer.from(loaded), Buffer.from(state))).toBe(0);
    },
  },
  {
    id: 'nodes/state/small-edit-few-shards',
    spec: '§5 Beyond the seed: shards are content-addressed and split at content-defined boundaries, so an edit rewrites only the shards it touches',
    timeoutMs: 240_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const state = bytes(4 * MIB, 11);
      const store = a.nodes<Uint8Array>({ codec: rawCodec, shardBytes: 256 * 1024 }).new('big');
      await store.create(state);
      const created = store.stats;
      expect(created.shardsWritten).toBeGreaterThan(8);
      await store.run((s) => {
        s[2 * MIB] = ((s[2 * MIB] as number) + 1) & 0xff;
      });
      const edit = {
        shards: store.stats.shardsWritten - created.shardsWritten,
        bytes: store.stats.bytesWritten - created.bytesWritten,
      };
      expect(edit.shards).toBeGreaterThanOrEqual(1);
      expect(edit.shards).toBeLessThanOrEqual(2);
      expect(edit.bytes).toBeLessThan(state.byteLength / 8);
      // An insertion shifts every later byte; content-defined boundaries resynchronise.
      await store.run((s) => {
        const grown = new Uint8Array(s.byteLength + 3);
        grown.set(s.subarray(0, MIB));
        grown.set([1, 2, 3], MIB);
        grown.set(s.subarray(MIB), MIB + 3);
        return grown;
      });
      const insert = store.stats.shardsWritten - created.shardsWritten - edit.shards;
      expect(insert).toBeLessThanOrEqual(3);
      const check = await a.nodes<Uint8Array>({ codec: rawCodec }).new('big').get();
      expect(check.byteLength).toBe(state.byteLength + 3);
    },
  },
  {
    id: 'nodes/state/payload-too-large',
    spec: '§0 Sizes: larger than the configured limit → PayloadTooLargeError; nothing written',
    timeoutMs: 120_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const limit = a.limits.maxPayloadBytes;
      const store = a.nodes<Uint8Array>({ codec: rawCodec }).new('big');
      const error = await expectError(
        store.create(new Uint8Array(limit + 1)),
        PayloadTooLargeError,
      );
      expect(error.size).toBe(limit + 1);
      expect(error.limit).toBe(limit);
      expect(await a.nodes().list()).toEqual([]);
      expect(store.stats.shardsWritten).toBe(0);
    },
  },
  {
    id: 'nodes/state/custom-codec',
    spec: '§5 Codec is pluggable (JSON by default)',
    async run(ctx) {
      const a = await ctx.adapter();
      const codec: Codec<Map<string, number>> = {
        encode: (m) => new TextEncoder().encode([...m].map(([k, v]) => `${k}=${v}`).join('\n')),
        decode: (b) =>
          new Map(
            new TextDecoder()
              .decode(b)
              .split('\n')
              .filter(Boolean)
              .map((l) => [l.split('=')[0] as string, Number(l.split('=')[1])]),
          ),
      };
      const store = a.nodes({ codec }).new('map');
      await store.create(new Map([['a', 1]]));
      await store.run((m) => {
        m.set('b', 2);
      });
      expect([...(await a.nodes({ codec }).new('map').get())]).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
    },
  },
  {
    id: 'nodes/delete/removes-and-invalidates',
    spec: '§5 delete removes the root and its shards and invalidates caches',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<Counter>().for('pool-1');
      const other = a.nodes<Counter>().new('pool-1');
      await store.create({ count: 1, log: [] });
      await other.get();
      await store.delete();
      await expectError(store.get(), NotFoundError);
      await expectError(other.get(), NotFoundError);
      await expectError(
        other.run((s) => s),
        NotFoundError,
      );
      expect(await a.nodes().list()).toEqual([]);
      ctx.clock.advance(MINUTE_MS);
      expect(await store.clean({ graceMs: 0 })).toBe(0);
      await store.create({ count: 7, log: [] });
      expect((await other.get()).count).toBe(7);
    },
  },
  {
    id: 'nodes/clean/orphans-after-grace',
    spec: '§5 clean deletes shards that no root references and that are older than graceMs (time-based, so slow readers are safe)',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<string[]>({ shardBytes: 1024 }).new('pool-1');
      await store.create(lines(200));
      // A run that fails after writing its new shards leaves orphans.
      await expect(
        store.run({
          modify: (s) => s.map((l) => `${l}!`),
          commit: async () => {
            throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      expect(await store.clean({ graceMs: MINUTE_MS })).toBe(0);
      ctx.clock.advance(MINUTE_MS);
      expect(await store.clean({ graceMs: MINUTE_MS })).toBe(0); // exactly graceMs old: not older
      ctx.clock.advance(1);
      const removed = await store.clean({ graceMs: MINUTE_MS });
      expect(removed).toBeGreaterThan(5);
      expect(await store.clean({ graceMs: 0 })).toBe(0);
      expect(await a.nodes<string[]>().new('pool-1').get()).toEqual(lines(200));
    },
  },
  {
    id: 'nodes/clean/retired-shards-kept-for-grace',
    spec: '§5 clean is time-based so slow readers are safe: shards a new generation dropped stay for graceMs after it',
    async run(ctx) {
      const a = await ctx.adapter();
      const store = a.nodes<string[]>({ shardBytes: 1024 }).new('pool-1');
      await store.create(lines(200));
      ctx.clock.advance(10 * MINUTE_MS); // the shards are old by now
      await store.run((s) => s.map((l) => l.toUpperCase()));
      expect(await store.clean({ graceMs: MINUTE_MS })).toBe(0);
      ctx.clock.advance(MINUTE_MS + 1);
      expect(await store.clean({ graceMs: MINUTE_MS })).toBeGreaterThan(5);
      expect((await a.nodes<string[]>().new('pool-1').get())[0]).toBe('LINE 0 0');
    },
  },
  {
    id: 'nodes/create/race-one-winner',
    spec: '§5 create is atomic: of two racing creators one wins, and clean removes any orphan shards',
    async run(ctx) {
      const adapters = await processes(ctx, 2);
      const outcomes = await Promise.allSettled(
        adapters.map((a, i) =>
          a
            .nodes<string[]>({ shardBytes: 1024 })
            .new('pool-1')
            .create(lines(300, i * 1000)),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
      const store = (adapters[0] as AnyAdapter).nodes<string[]>().new('pool-1');
      expect(await store.get()).toEqual(lines(300, winner * 1000));
      ctx.clock.advance(MINUTE_MS);
      await store.clean({ graceMs: 0 });
      expect(await store.get()).toEqual(lines(300, winner * 1000));
      expect(store.generation).toBe(1);
    },
  },
  {
    id: 'nodes/list/ids',
    spec: '§5 list returns the ids that exist; ids are injective ("a:b" and "a")',
    async run(ctx) {
      const a = await ctx.adapter();
      const nodes = a.nodes<number>();
      await nodes.for('a:b').create(1);
      await nodes.for('a').create(2);
      await nodes.for('a%3Ab').create(3);
      expect(await nodes.list()).toEqual(['a', 'a%3Ab', 'a:b']);
      expect(await a.nodes<number>().new('a:b').get()).toBe(1);
      expect(await a.nodes<number>().new('a').get()).toBe(2);
      await nodes.for('a').delete();
      expect(await a.nodes<number>().new('a:b').get()).toBe(1);
    },
  },
  {
    id: 'nodes/for/singleton',
    spec: "§5 for(id) returns the collection's singleton for the id; new(id) a separate store",
    async run(ctx) {
      const a = await ctx.adapter();
      const nodes = a.nodes<number>();
      expect(nodes.for('x')).toBe(nodes.for('x'));
      expect(nodes.new('x')).not.toBe(nodes.for('x'));
    },
  },
  {
    id: 'nodes/validation/inputs',
    spec: '§0 Bad input gets a typed error and writes nothing: node ids, options, operators, grace',
    async run(ctx) {
      const a = await ctx.adapter();
      expect(() => a.nodes().for('')).toThrow(ValidationError);
      expect(() => a.nodes().new('x'.repeat(257))).toThrow(ValidationError);
      expect(() => a.nodes({ shardBytes: 10 })).toThrow(ValidationError);
      expect(() => a.nodes({ shardBytes: 1.5 })).toThrow(ValidationError);
      expect(() => a.nodes({ maxAttempts: 0 })).toThrow(ValidationError);
      expect(() => a.nodes({ codec: {} as Codec<unknown> })).toThrow(ValidationError);
      const store = a.nodes<number>().new('n');
      await store.create(1);
      await expectError(store.run({} as never), ValidationError, 'op');
      await expectError(store.clean({ graceMs: -1 }), ValidationError, 'graceMs');
      await expectError(a.nodes<unknown>().new('m').create(undefined), ValidationError, 'state');
      expect(await a.nodes().list()).toEqual(['n']);
    },
  },
]);
