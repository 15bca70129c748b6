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
