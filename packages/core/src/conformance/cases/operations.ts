/** The contract, §2 (docs/contract.md) — operation checkpoints. */
import { expect } from 'vitest';
import {
  AlreadyExistsError,
  LeaseLostError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../errors.js';
import type { ConformanceCase } from '../harness.js';
import {
  type AnyAdapter,
  bytes,
  cases,
  expectError,
  MINUTE_MS,
  parallel,
  processes,
  text,
  utf8,
} from './support.js';

const ID = /^\d{16}$/;

async function steps(a: AnyAdapter, name: string, count: number): Promise<string[]> {
  const op = a.operations.open(name);
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) ids.push(await op.checkpoint(`step-${i}`, utf8(`data-${i}`)));
  return ids;
}

export const operationCases: ConformanceCase[] = cases([
  {
    id: 'operations/latest/null-when-none',
    spec: '§2 latest: null = none (not empty data)',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      expect(await op.latest()).toBeNull();
      await op.checkpoint('empty', new Uint8Array(0));
      const latest = await op.latest();
      expect(latest).not.toBeNull();
      expect(latest?.data.byteLength).toBe(0);
      expect(latest?.label).toBe('empty');
    },
  },
  {
    id: 'operations/latest/same-millisecond',
    spec: '§2 latest() returns the newest checkpoint by id, not by time: the last of several written in one millisecond',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      await op.checkpoint('earlier', utf8('0'));
      ctx.clock.advance(5);
      const ids: string[] = [];
      for (const label of ['one', 'two', 'three'])
        ids.push(await op.checkpoint(label, utf8(label)));
      const latest = await op.latest();
      expect(
        latest?.label,
        'latest returns the last of checkpoints written in one millisecond',
      ).toBe('three');
      expect(latest?.id).toBe(ids[2]);
      expect(text(latest?.data ?? null)).toBe('three');
      const compacted = await op.compact('compacted');
      const after = await op.checkpoint('after-compact', utf8('four'));
      expect(
        (await op.latest())?.id,
        'latest returns the last of checkpoints written in one millisecond, after a compact too',
      ).toBe(after);
      expect(after > (compacted ?? '')).toBe(true);
    },
  },
  {
    id: 'operations/checkpoint/latest-returns-newest',
    spec: '§2 Record the successful completion of each step, so that it resumes from the latest step: latest returns the newest (id, label, data, createdAt from the clock)',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      await op.checkpoint('one', utf8('1'));
      ctx.clock.advance(500);
      const id = await op.checkpoint('two', utf8('2'));
      const latest = await op.latest();
      expect(latest?.id).toBe(id);
      expect(latest?.label).toBe('two');
      expect(text(latest?.data ?? null)).toBe('2');
      expect(latest?.createdAt.getTime()).toBe(ctx.clock.now());
    },
  },
  {
    id: 'operations/ids/fixed-width-ordered',
    spec: '§2 Ids are fixed-width and sort as strings in checkpoint order',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 12);
      for (const id of ids) expect(id).toMatch(ID);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(12);
      expect(await a.operations.open('import').list()).toEqual(ids);
    },
  },
  {
    id: 'operations/ids/not-reused-after-compact',
    spec: '§2 Ids are never reused, not after compact',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 3);
      const op = a.operations.open('import');
      const compacted = (await op.compact('compacted')) as string;
      expect(compacted > (ids[2] as string)).toBe(true);
      const next = await op.checkpoint('after', utf8('x'));
      expect(next > compacted).toBe(true);
    },
  },
  {
    id: 'operations/ids/not-reused-after-clear',
    spec: '§2 Ids are never reused, not after clear (a persisted counter, not a rescan)',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 3);
      const op = a.operations.open('import');
      await op.clear();
      expect(await op.list()).toEqual([]);
      const next = await op.checkpoint('after', utf8('x'));
      expect(next > (ids[2] as string)).toBe(true);
    },
  },
  {
    id: 'operations/ids/not-reused-after-complete',
    spec: '§2 Ids are never reused, not after complete',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 2);
      const op = a.operations.open('import');
      await op.complete();
      const b = await ctx.reopen(a);
      const next = await b.operations.open('import').checkpoint('again', utf8('x'));
      expect(next > (ids[1] as string)).toBe(true);
    },
  },
  {
    id: 'operations/ids/persist-across-processes',
    spec: '§2 Ids are never reused: the counter is persisted, another process continues it',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 2);
      const b = await ctx.reopen(a);
      const next = await b.operations.open('import').checkpoint('three', utf8('3'));
      expect(next > (ids[1] as string)).toBe(true);
      expect(await a.operations.open('import').list()).toEqual([...ids, next]);
    },
  },
  {
    id: 'operations/load/by-id',
    spec: '§2 load(id) returns that checkpoint',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 3);
      const second = await a.operations.open('import').load(ids[1] as string);
      expect(second.id).toBe(ids[1]);
      expect(second.label).toBe('step-2');
      expect(text(second.data)).toBe('data-2');
    },
  },
  {
    id: 'operations/load/validates-id-format',
    spec: "§2 load validates the id's format (ValidationError)",
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      for (const bad of [
        '',
        '1',
        'abc',
        '00000000000000001',
        '000000000000000x',
        '0000000000000000',
        7 as unknown as string,
      ]) {
        await expectError(op.load(bad), ValidationError, 'id');
      }
    },
  },
  {
    id: 'operations/load/not-found',
    spec: '§2 load: NotFoundError for a well-formed id that has no checkpoint',
    async run(ctx) {
      const a = await ctx.adapter();
      const ids = await steps(a, 'import', 1);
      const op = a.operations.open('import');
      await expectError(op.load('0000000000009999'), NotFoundError);
      await op.compact('c');
      await expectError(op.load(ids[0] as string), NotFoundError);
    },
  },
  {
    id: 'operations/load/own-operation-only',
    spec: '§2 load finds only checkpoints of its own operation',
    async run(ctx) {
      const a = await ctx.adapter();
      const [idA] = await steps(a, 'alpha', 1);
      await expectError(a.operations.open('beta').load(idA as string), NotFoundError);
      await expectError(a.operations.open('alph').load(idA as string), NotFoundError);
      expect(await a.operations.open('beta').latest()).toBeNull();
    },
  },
  {
    id: 'operations/compact/replaces-all-with-latest',
    spec: '§2 compact(label): replace all checkpoints by a single new one that holds the latest data; returns the new id',
    async run(ctx) {
      const a = await ctx.adapter();
      await steps(a, 'import', 4);
      const op = a.operations.open('import');
      ctx.clock.advance(100);
      const id = await op.compact('compacted');
      expect(id).toMatch(ID);
      expect(await op.list()).toEqual([id]);
      const latest = await op.latest();
      expect(latest?.id).toBe(id);
      expect(latest?.label).toBe('compacted');
      expect(text(latest?.data ?? null)).toBe('data-4');
      expect(latest?.createdAt.getTime()).toBe(ctx.clock.now());
    },
  },
  {
    id: 'operations/compact/null-when-none',
    spec: '§2 compact returns null if there was no checkpoint, and writes nothing',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      expect(await op.compact('c')).toBeNull();
      expect(await op.list()).toEqual([]);
      expect(await a.operations.list()).toEqual([]);
    },
  },
  {
    id: 'operations/compact/never-without-checkpoint',
    spec: '§2 compact: there is no moment at which the operation has no checkpoint',
    timeoutMs: 120_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const reader = await ctx.reopen(a);
      await steps(a, 'import', 2);
      let done = false;
      let reads = 0;
      const watcher = (async () => {
        while (!done) {
          const latest = await reader.operations.open('import').latest();
          expect(latest).not.toBeNull();
          reads++;
        }
      })();
      const op = a.operations.open('import');
      for (let i = 0; i < 20; i++) {
        await op.checkpoint(`s${i}`, utf8(`d${i}`));
        await op.compact(`c${i}`);
      }
      done = true;
      await watcher;
      expect(reads).toBeGreaterThan(0);
      expect(text((await op.latest())?.data ?? null)).toBe('d19');
    },
  },
  {
    id: 'operations/checkpoint/concurrent-distinct-ordered',
    spec: '§2 Concurrent checkpoint calls on one operation all succeed with distinct, ordered ids (no lost step)',
    timeoutMs: 120_000,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const perProcess = 8;
      const acked = await parallel(adapters.length, async (p) => {
        const op = (adapters[p] as AnyAdapter).operations.open('import');
        const ids: string[] = [];
        for (let i = 0; i < perProcess; i++)
          ids.push(await op.checkpoint(`p${p}-${i}`, utf8(`${p}:${i}`)));
        return ids;
      });
      const all = acked.flat();
      expect(new Set(all).size).toBe(adapters.length * perProcess);
      for (const ids of acked) expect([...ids].sort()).toEqual(ids);
      const listed = await (adapters[0] as AnyAdapter).operations.open('import').list();
      expect(listed).toEqual([...all].sort());
      for (const id of all) {
        const cp = await (adapters[0] as AnyAdapter).operations.open('import').load(id);
        expect(cp.label).toMatch(/^p\d-\d$/);
      }
    },
  },
  {
    id: 'operations/clear/deletes-all',
    spec: '§2 clear(): delete all checkpoints',
    async run(ctx) {
      const a = await ctx.adapter();
      await steps(a, 'import', 3);
      await steps(a, 'other', 1);
      await a.operations.open('import').clear();
      expect(await a.operations.open('import').latest()).toBeNull();
      expect(await a.operations.open('other').list()).toHaveLength(1);
    },
  },
  {
    id: 'operations/complete/deletes-all',
    spec: '§2 complete(): operation done: delete all; the store list no longer shows it',
    async run(ctx) {
      const a = await ctx.adapter();
      await steps(a, 'import', 3);
      await steps(a, 'other', 1);
      expect(await a.operations.list()).toEqual(['import', 'other']);
      await a.operations.open('import').complete();
      expect(await a.operations.open('import').list()).toEqual([]);
      expect(await a.operations.list()).toEqual(['other']);
    },
  },
  {
    id: 'operations/list/names-byte-order',
    spec: '§2 OperationStore.list() returns the operations with at least one checkpoint, in byte-wise (UTF-8) order',
    async run(ctx) {
      const a = await ctx.adapter();
      // UTF-16 code units put U+1F600 before U+FF5E; UTF-8 bytes put it after. 'B' < 'a' < 'é'.
      const byteOrder = ['B', 'a', 'b', 'é', '～', '😀'];
      for (const name of [...byteOrder].reverse()) {
        await a.operations.open(name).checkpoint('s', utf8(name));
      }
      a.operations.open('never-checkpointed');
      const done = a.operations.open('completed');
      await done.checkpoint('s', utf8('x'));
      await done.complete();
      expect(
        await a.operations.list(),
        'list() names the operations with checkpoints in byte-wise order',
      ).toEqual(byteOrder);
    },
  },
  {
    id: 'operations/validation/name',
    spec: '§0 Bad input gets a typed error that names the problem: operation names must be non-empty, well-formed and ≤ 512 bytes',
    async run(ctx) {
      const a = await ctx.adapter();
      for (const bad of ['', 'x'.repeat(513), 'a\uDC00', 'nul\u0000', 5 as unknown as string]) {
        expect(() => a.operations.open(bad)).toThrow(ValidationError);
      }
      a.operations.open('x'.repeat(512));
    },
  },
  {
    id: 'operations/validation/label-and-data',
    spec: '§0 A call that fails validation writes nothing: checkpoint rejects a bad label or non-bytes data',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      await expectError(op.checkpoint('l'.repeat(1025), utf8('x')), ValidationError, 'label');
      await expectError(op.checkpoint(3 as unknown as string, utf8('x')), ValidationError, 'label');
      await expectError(
        op.checkpoint('ok', 'text' as unknown as Uint8Array),
        ValidationError,
        'data',
      );
      await expectError(op.compact('l'.repeat(1025)), ValidationError, 'label');
      expect(await op.list()).toEqual([]);
      const id = await op.checkpoint('ok', utf8('x'));
      expect(id).toBe('0000000000000001');
    },
  },
  {
    id: 'operations/data/large-payload',
    spec: '§0 Sizes: operation checkpoint data may be at least 16 MiB on every backend',
    timeoutMs: 180_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('big');
      const data = bytes(16 * 1024 * 1024, 7);
      const id = await op.checkpoint('big', data);
      const loaded = await op.load(id);
      expect(loaded.data.byteLength).toBe(data.byteLength);
      expect(Buffer.compare(Buffer.from(loaded.data), Buffer.from(data))).toBe(0);
      const compacted = await op.compact('small-label');
      const latest = await op.latest();
      expect(latest?.id).toBe(compacted);
      expect(Buffer.compare(Buffer.from(latest?.data ?? new Uint8Array()), Buffer.from(data))).toBe(
        0,
      );
    },
  },
  {
    id: 'operations/data/payload-too-large',
    spec: '§0 Sizes: larger than the configured limit → PayloadTooLargeError (size and limit), nothing written',
    timeoutMs: 120_000,
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('big');
      const limit = a.limits.maxPayloadBytes;
      const error = await expectError(
        op.checkpoint('x', new Uint8Array(limit + 1)),
        PayloadTooLargeError,
      );
      expect(error.size).toBe(limit + 1);
      expect(error.limit).toBe(limit);
      expect(await op.latest()).toBeNull();
    },
  },
  {
    id: 'operations/data/copies',
    spec: '§2 checkpoint is atomic: the stored data is what was passed at the call, unaffected by later changes to either buffer',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      const data = utf8('original');
      const id = await op.checkpoint('s', data);
      data.fill(0);
      const first = await op.load(id);
      expect(text(first.data)).toBe('original');
      first.data.fill(0);
      expect(text((await op.load(id)).data)).toBe('original');
    },
  },
  {
    id: 'operations/lease/acquire',
    spec: '§2 acquire: a lease with a fencing token; the holder writes normally',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      const lease = await op.acquire({ owner: 'worker-1', leaseMs: MINUTE_MS });
      expect(lease.owner).toBe('worker-1');
      expect(Number.isInteger(lease.token)).toBe(true);
      expect(lease.expiryTime.getTime()).toBe(ctx.clock.now() + MINUTE_MS);
      await op.checkpoint('s1', utf8('1'));
      expect(await op.compact('c')).not.toBeNull();
    },
  },
  {
    id: 'operations/lease/fences-other-handles',
    spec: '§2 While the lease is held, checkpoint/compact from a handle without the current token fail with LeaseLostError',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const holder = a.operations.open('import');
      await holder.checkpoint('s1', utf8('1'));
      await holder.acquire({ owner: 'holder', leaseMs: MINUTE_MS });
      const intruder = b.operations.open('import');
      await expectError(intruder.checkpoint('s2', utf8('2')), LeaseLostError);
      await expectError(intruder.compact('c'), LeaseLostError);
      await expectError(intruder.clear(), LeaseLostError);
      await expectError(intruder.complete(), LeaseLostError);
      const sameProcessOtherHandle = a.operations.open('import');
      await expectError(sameProcessOtherHandle.checkpoint('s3', utf8('3')), LeaseLostError);
      expect((await holder.list()).length).toBe(1);
      expect(text((await holder.latest())?.data ?? null)).toBe('1');
    },
  },
  {
    id: 'operations/lease/second-acquire-refused',
    spec: '§2 acquire while another lease is live → AlreadyExistsError naming the holder',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      await a.operations.open('import').acquire({ owner: 'first', leaseMs: MINUTE_MS });
      const error = await expectError(
        b.operations.open('import').acquire({ owner: 'second', leaseMs: MINUTE_MS }),
        AlreadyExistsError,
      );
      expect((error.existing as { owner: string }).owner).toBe('first');
    },
  },
  {
    id: 'operations/lease/takeover-fences-old-holder',
    spec: '§2 acquire: a fenced-out writer — after the lease runs out and another acquires, the old holder gets LeaseLostError',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const old = a.operations.open('import');
      const oldLease = await old.acquire({ owner: 'old', leaseMs: 1000 });
      await old.checkpoint('s1', utf8('1'));
      ctx.clock.advance(1000);
      const fresh = b.operations.open('import');
      const newLease = await fresh.acquire({ owner: 'new', leaseMs: MINUTE_MS });
      expect(newLease.token).toBeGreaterThan(oldLease.token);
      await expectError(old.checkpoint('s2', utf8('2')), LeaseLostError);
      await expectError(old.compact('c'), LeaseLostError);
      await expectError(oldLease.renew({ leaseMs: MINUTE_MS }), LeaseLostError);
      await oldLease.release();
      await expectError(
        b.operations.open('import').checkpoint('s3', utf8('intruder')),
        LeaseLostError,
      ); // the old holder's release left the new lease in place
      await fresh.checkpoint('s2', utf8('new'));
      expect(text((await fresh.latest())?.data ?? null)).toBe('new');
    },
  },
  {
    id: 'operations/lease/token-not-reused-after-release',
    spec: '§2 acquire: the fencing token grows with every acquire, after a release too: a token a stale holder may still carry is never issued again',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      const stale = a.operations.open('import');
      const staleLease = await stale.acquire({ owner: 'stale', leaseMs: 1000 });
      ctx.clock.advance(1000);
      const second = b.operations.open('import');
      const secondLease = await second.acquire({ owner: 'second', leaseMs: MINUTE_MS });
      await secondLease.release();
      const third = b.operations.open('import');
      const thirdLease = await third.acquire({ owner: 'third', leaseMs: MINUTE_MS });
      expect(
        thirdLease.token,
        'a token issued after a release is greater than every token issued before',
      ).toBeGreaterThan(secondLease.token);
      expect(secondLease.token).toBeGreaterThan(staleLease.token);
      await expectError(stale.checkpoint('late', utf8('stale')), LeaseLostError);
      await third.checkpoint('current', utf8('third'));
      expect(text((await third.latest())?.data ?? null)).toBe('third');
    },
  },
  {
    id: 'operations/lease/expired-unclaimed-holder-continues',
    spec: '§2 acquire (README decision): a holder whose lease ran out may write until another handle acquires',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      await op.acquire({ owner: 'w', leaseMs: 1000 });
      ctx.clock.advance(5000);
      await op.checkpoint('late', utf8('late'));
      const b = await ctx.reopen(a);
      await b.operations.open('import').checkpoint('unleased', utf8('u')); // no live lease any more
      expect(await op.list()).toHaveLength(2);
    },
  },
  {
    id: 'operations/lease/release',
    spec: '§2 Operations without acquire behave as in the seed (any writer): after release, handles without a lease write again',
    async run(ctx) {
      const a = await ctx.adapter();
      const holder = a.operations.open('import');
      const lease = await holder.acquire({ owner: 'w', leaseMs: MINUTE_MS });
      const other = a.operations.open('import');
      await expectError(other.checkpoint('x', utf8('x')), LeaseLostError);
      await lease.release();
      await other.checkpoint('x', utf8('x'));
      await holder.checkpoint('y', utf8('y'));
      expect(await other.list()).toHaveLength(2);
    },
  },
  {
    id: 'operations/lease/renew',
    spec: '§2 acquire: renew extends the lease, which keeps other handles fenced out',
    async run(ctx) {
      const a = await ctx.adapter();
      const holder = a.operations.open('import');
      const lease = await holder.acquire({ owner: 'w', leaseMs: 1000 });
      ctx.clock.advance(900);
      await lease.renew({ leaseMs: 1000 });
      ctx.clock.advance(900);
      await expectError(a.operations.open('import').checkpoint('x', utf8('x')), LeaseLostError);
      await expectError(
        a.operations.open('import').acquire({ owner: 'x', leaseMs: 1 }),
        AlreadyExistsError,
      );
    },
  },
  {
    id: 'operations/lease/complete-ends-lease',
    spec: "§2 complete(): deletes all and ends the handle's lease",
    async run(ctx) {
      const a = await ctx.adapter();
      const holder = a.operations.open('import');
      await holder.acquire({ owner: 'w', leaseMs: MINUTE_MS });
      await holder.checkpoint('s', utf8('s'));
      await holder.complete();
      const next = await a.operations.open('import').acquire({ owner: 'next', leaseMs: MINUTE_MS });
      expect(next.owner).toBe('next');
    },
  },
  {
    id: 'operations/lease/unleased-writers-any',
    spec: '§2 Operations without acquire behave as in the seed (any writer)',
    async run(ctx) {
      const a = await ctx.adapter();
      const b = await ctx.reopen(a);
      await a.operations.open('import').checkpoint('a', utf8('a'));
      await b.operations.open('import').checkpoint('b', utf8('b'));
      await a.operations.open('import').compact('c');
      expect(await b.operations.open('import').list()).toHaveLength(1);
    },
  },
  {
    id: 'operations/lease/validation',
    spec: '§0 Bad input gets a typed error: acquire checks owner and leaseMs',
    async run(ctx) {
      const a = await ctx.adapter();
      const op = a.operations.open('import');
      await expectError(op.acquire({ owner: '', leaseMs: 1000 }), ValidationError, 'owner');
      await expectError(op.acquire({ owner: 'w', leaseMs: 0 }), ValidationError, 'leaseMs');
      await op.checkpoint('free', utf8('x')); // no lease was taken
    },
  },
  {
    id: 'operations/lease/concurrent-acquire-one-winner',
    spec: '§2 acquire: an exclusive writer — of concurrent acquires from several processes exactly one wins',
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const outcomes = await Promise.allSettled(
        adapters.map((a, i) =>
          a.operations.open('import').acquire({ owner: `w${i}`, leaseMs: MINUTE_MS }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    },
  },
]);
