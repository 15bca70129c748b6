/**
 * The contract, §0 (docs/contract.md) — rules that hold everywhere. A case that holds for every
 * primitive declares `primitives: []` and runs on those the target implements (any-primitive.ts).
 */
import { expect } from 'vitest';
import { BackendError, CheckpointKitError, ValidationError } from '../../errors.js';
import type { ConformanceCase } from '../harness.js';
import { primitiveProbes } from './any-primitive.js';
import { cases, expectError, HOUR_MS, key, utf8 } from './support.js';

const TTL = { ttlMs: HOUR_MS };

/**
 * Longer than the whole backoff of the default retry policy (at most 2.1 s over 12 attempts):
 * a write that only retries, without waiting for the other process's lock, gives up before it.
 */
const LOCK_HELD_MS = 3000;

export const generalCases: ConformanceCase[] = cases([
  {
    id: 'general/errors/typed',
    spec: '§0 All errors extend CheckpointKitError (name, a string code, cause, retryable)',
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      const invalidCalls = [
        { call: () => a.transaction(undefined as never), field: 'work' },
        ...ctx.primitives.map((p) => ({
          call: () => primitiveProbes[p].invalid.call(a),
          field: primitiveProbes[p].invalid.field,
        })),
      ];
      for (const { call, field } of invalidCalls) {
        const error = await expectError(call, ValidationError, field);
        expect(error).toBeInstanceOf(CheckpointKitError);
        expect(error.name).toBe('ValidationError');
        expect(error.code).toBe('VALIDATION');
        expect(error.retryable).toBe(false);
        expect(error.message).toContain(field);
      }
    },
  },
  {
    id: 'general/setup/idempotent-concurrent',
    spec: '§0 Schema: adapter.setup() is idempotent and safe to call concurrently',
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      for (const p of ctx.primitives) await primitiveProbes[p].write(a);
      const b = await ctx.reopen(a);
      await Promise.all([a.setup(), a.setup(), b.setup(), b.setup()]);
      await a.setup();
      for (const p of ctx.primitives)
        expect(await primitiveProbes[p].written(b), `${p}: kept by setup()`).toBe(true);
      if (ctx.primitives.includes('checkpoints'))
        await b.checkpoints.insert(key({ uniquifier: 'after-setup' }), TTL);
      await b.transaction(async (tx) => ctx.probe.writeInTx(tx, 'after-setup', '1'));
    },
  },
  {
    id: 'general/transaction/commits-user-writes',
    spec: "§0 transaction: the backend's own transaction, so that a user's own writes commit atomically with ours",
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      const value = await a.transaction(async (tx) => {
        await ctx.probe.writeInTx(tx, 'one', '1');
        await ctx.probe.writeInTx(tx, 'two', '2');
        return 'result';
      });
      expect(value).toBe('result');
      const b = await ctx.reopen(a);
      expect(await ctx.probe.read(b, 'one')).toBe('1');
      expect(await ctx.probe.read(b, 'two')).toBe('2');
    },
  },
  {
    id: 'general/transaction/rollback',
    spec: '§0 transaction: a transaction whose work throws commits nothing, and the error propagates',
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      const checkpoints = ctx.primitives.includes('checkpoints');
      const boom = new Error('rollback me');
      await expect(
        a.transaction(async (tx) => {
          await ctx.probe.writeInTx(tx, 'one', '1');
          if (checkpoints) await a.checkpoints.insertIn(tx, key(), TTL);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await ctx.probe.read(a, 'one')).toBeNull();
      if (checkpoints) expect(await a.checkpoints.exists(key())).toBe(false);
    },
  },
  {
    id: 'general/transaction/uncommitted-invisible',
    primitives: ['checkpoints'],
    spec: '§0 transaction: writes of an open transaction are invisible to reads of any other adapter while it is open, and never seen if it rolls back',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      let inside: () => void = () => {};
      let release: () => void = () => {};
      const opened = new Promise<void>((resolve) => {
        inside = resolve;
      });
      const finish = new Promise<void>((resolve) => {
        release = resolve;
      });
      const open = a.transaction(async (tx) => {
        await a.checkpoints.insertIn(tx, key(), TTL);
        inside();
        await finish;
        throw new Error('rolled back');
      });
      await opened;
      // A backend may make the read wait for the transaction (one shared connection): never
      // await it before the transaction ends, only give it time to run.
      const seen = b.checkpoints.exists(key());
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await expect(open).rejects.toThrow('rolled back');
      expect(await seen, "another adapter's read does not see an open transaction's insert").toBe(
        false,
      );
      expect(await b.checkpoints.exists(key())).toBe(false);
      expect(await a.checkpoints.exists(key())).toBe(false);
    },
  },
  {
    id: 'general/transaction/ended-by-callback-refused',
    primitives: ['checkpoints'],
    spec: "§0 transaction: a callback that ends the adapter's transaction itself (COMMIT on tx) is refused with BackendError, never reported committed, and nothing of ours is written after it",
    requires: 'endTransaction',
    async run(ctx) {
      const end = async (tx: unknown): Promise<void> => {
        await ctx.probe.endTransaction?.(tx);
      };
      const a = await ctx.adapter();
      await expectError(
        a.transaction(async (tx) => {
          await ctx.probe.writeInTx(tx, 'effect', 'committed by the callback');
          await end(tx);
          return 'reported';
        }),
        BackendError,
      );
      await expectError(
        a.checkpoints.runOnce(key(), TTL, async (tx) => {
          await end(tx);
          return 'reported';
        }),
        BackendError,
      );
      expect(
        await a.checkpoints.exists(key()),
        'runOnce writes no checkpoint after its work ended the transaction',
      ).toBe(false);
      // The other callbacks a transaction runs, where the adapter has their primitive.
      if (ctx.primitives.includes('sessions')) {
        const dataset = a.sessions.committable('orders', { onCommit: (tx) => end(tx) });
        await dataset.begin(utf8('session-1'));
        dataset.set('a', utf8('1'));
        await expectError(dataset.commit(utf8('session-1')), BackendError);
      }
      if (ctx.primitives.includes('nodes')) {
        const node = a.nodes<{ count: number }>().new('pool-1');
        await node.create({ count: 0 });
        await expectError(
          node.run({
            modify(state) {
              state.count = 1;
            },
            commit: (tx) => end(tx),
          }),
          BackendError,
        );
      }
    },
  },
  {
    id: 'general/processes/transactions-exclude',
    primitives: ['checkpoints'],
    spec: "§0 Transactions: write transactions of separate OS processes exclude each other: of one process's transaction inserting a key and another's tryInsert of it, exactly one wins",
    requires: 'twinProcess',
    async run(ctx) {
      const a = await ctx.adapter();
      const twin = await ctx.twin(a);
      const contended = key({ uniquifier: 'contended' });
      const held = twin.holdTransaction({ key: contended, ttlMs: HOUR_MS, holdMs: 500 });
      await held.holding;
      const inserted = await a.checkpoints.tryInsert(contended, TTL);
      const outcome = await held.done;
      expect(
        [inserted, outcome.committed].filter(Boolean),
        'of two processes inserting one key in overlapping transactions exactly one wins',
      ).toHaveLength(1);
      if (!outcome.committed) expect(outcome.error.name).toBe('AlreadyExistsError');
      expect(await a.checkpoints.exists(contended)).toBe(true);
    },
  },
  {
    id: 'general/processes/write-waits-for-lock',
    primitives: ['checkpoints'],
    spec: `§0 Retries: a write held up by another OS process's open write transaction waits for its lock or retries, and succeeds once it commits — here after ${LOCK_HELD_MS} ms, longer than the retry backoff alone`,
    requires: 'twinProcess',
    timeoutMs: 60_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const twin = await ctx.twin(a);
      const held = twin.holdTransaction({
        key: key({ uniquifier: 'other-process' }),
        ttlMs: HOUR_MS,
        holdMs: LOCK_HELD_MS,
      });
      await held.holding;
      await expect(
        a.checkpoints.insert(key({ uniquifier: 'this-process' }), TTL),
        "a write that meets another process's open transaction succeeds once it commits",
      ).resolves.toBeDefined();
      expect(await held.done, "the other process's transaction commits").toEqual({
        committed: true,
      });
      expect(await a.checkpoints.exists(key({ uniquifier: 'other-process' }))).toBe(true);
      expect(await a.checkpoints.exists(key({ uniquifier: 'this-process' }))).toBe(true);
    },
  },
  {
    id: 'general/keys/injective-checkpoints',
    spec: '§0 Injective keys: ("a:b","c") and ("a","b:c") are different records on every backend',
    primitives: ['checkpoints'],
    async run(ctx) {
      const a = await ctx.adapter();
      const pairs: [string, string][] = [
        ['a:b', 'c'],
        ['a', 'b:c'],
        ['a%3Ab', 'c'],
        ['a{b}', 'c'],
        ['a', '{b}c'],
        ['a/b', 'c'],
        ['a', 'b/c'],
        ['a\\', 'b'],
        ['a', '\\b'],
      ];
      for (const [resourceId, uniquifier] of pairs)
        await a.checkpoints.insert(key({ resourceId, uniquifier }), TTL);
      for (const [resourceId] of pairs) {
        expect(
          await a.checkpoints.readAllUniquifiers('proj', resourceId, 'ingest/results'),
        ).toEqual(new Set(pairs.filter(([r]) => r === resourceId).map(([, u]) => u)));
      }
      expect(await a.checkpoints.readAllForTesting()).toHaveLength(pairs.length);
      expect(await a.checkpoints.exists(key({ resourceId: 'a:b:c', uniquifier: '' }))).toBe(false);
    },
  },
  {
    id: 'general/keys/injective-processes',
    spec: '§0 Injective keys: a processId that is a prefix of another ("ingest" vs "ingest/results") is a different record',
    primitives: ['checkpoints'],
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ processId: 'ingest', uniquifier: 'results/x' }), TTL);
      expect(
        await a.checkpoints.exists(key({ processId: 'ingest/results', uniquifier: 'x' })),
      ).toBe(false);
      await a.checkpoints.insert(key({ processId: 'ingest/results', uniquifier: 'x' }), TTL);
      expect(await a.checkpoints.readAllForTesting()).toHaveLength(2);
    },
  },
  {
    id: 'general/keys/injective-operations',
    spec: '§0 Injective keys: operation names that would collide under concatenation are different operations',
    primitives: ['operations'],
    async run(ctx) {
      const a = await ctx.adapter();
      const names = ['a', 'a:', 'a:1', 'a%3A1', 'a{1}', 'a/1'];
      for (const [i, name] of names.entries())
        await a.operations.open(name).checkpoint(`l${i}`, utf8(name));
      for (const name of names) {
        const op = a.operations.open(name);
        expect(await op.list()).toHaveLength(1);
        expect(Buffer.from((await op.latest())?.data ?? []).toString()).toBe(name);
      }
      expect([...(await a.operations.list())].sort()).toEqual([...names].sort());
    },
  },
  {
    id: 'general/tenants/projects-isolated',
    spec: "§0 Tenants (project) never see each other's records",
    primitives: ['checkpoints'],
    async run(ctx) {
      const a = await ctx.adapter();
      await a.checkpoints.insert(key({ project: 'tenant-a', uniquifier: 'u' }), TTL);
      expect(await a.checkpoints.exists(key({ project: 'tenant-b', uniquifier: 'u' }))).toBe(false);
      expect(await a.checkpoints.readAllUniquifiers('tenant-b', 'inv-1', 'ingest/results')).toEqual(
        new Set(),
      );
      expect(
        await a.checkpoints.tryInsert(key({ project: 'tenant-b', uniquifier: 'u' }), TTL),
      ).toBe(true);
      const run = await a.checkpoints.runOnce(
        key({ project: 'tenant-c', uniquifier: 'u' }),
        TTL,
        async () => 'c',
      );
      expect(run.ran).toBe(true);
    },
  },
  {
    id: 'general/isolation/separate-creates',
    spec: '§6 create(): a fresh, isolated adapter (own namespace/db) — two adapters from create() share nothing',
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.adapter();
      for (const p of ctx.primitives) await primitiveProbes[p].write(a);
      await a.transaction(async (tx) => ctx.probe.writeInTx(tx, 'user', 'a'));
      for (const p of ctx.primitives)
        expect(await primitiveProbes[p].written(b), `${p}: seen by another create()`).toBe(false);
      if (ctx.primitives.includes('operations')) expect(await b.operations.list()).toEqual([]);
      if (ctx.primitives.includes('nodes')) expect(await b.nodes().list()).toEqual([]);
      expect(await ctx.probe.read(b, 'user')).toBeNull();
    },
  },
  {
    id: 'general/close/typed-error-after-close',
    spec: '§0 Typed errors, never panics: a call on a closed adapter fails with a typed error',
    primitives: [],
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      for (const p of ctx.primitives) await primitiveProbes[p].write(a);
      await a.close();
      await a.close(); // idempotent
      for (const p of ctx.primitives)
        await expectError(primitiveProbes[p].written(a), BackendError);
      await expectError(
        a.transaction(async () => null),
        BackendError,
      );
      // Another process is unaffected.
      for (const p of ctx.primitives) expect(await primitiveProbes[p].written(b), p).toBe(true);
    },
  },
]);
