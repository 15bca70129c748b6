/** The contract, §4 (docs/contract.md) — commit sessions. */
import { expect } from 'vitest';
import { toHex } from '../../bytes.js';
import {
  IdempotencyKeyMismatchError,
  PayloadTooLargeError,
  SessionStateError,
  ValidationError,
} from '../../errors.js';
import { datasetChangesId } from '../../sessions/dataset.js';
import { combinedSessionId, MultiCommitter } from '../../sessions/multi-committer.js';
import type { Committable, CommittableDataset, SessionKV } from '../../sessions/types.js';
import type { ConformanceCase } from '../harness.js';
import {
  type AnyAdapter,
  type Ctx,
  cases,
  expectError,
  never,
  parallel,
  text,
  utf8,
} from './support.js';

const K1 = utf8('session-0001');
const K2 = utf8('session-0002');

interface World {
  readonly adapter: AnyAdapter;
  readonly kv: SessionKV;
  readonly orders: CommittableDataset;
  readonly ledger: CommittableDataset;
  readonly committer: MultiCommitter;
}

/** Two datasets ("ledger", "orders") and the committer's KV, on one adapter (a process). */
function world(
  ctx: Ctx,
  adapter: AnyAdapter,
  wrap: (name: string, c: Committable) => Committable = (_, c) => c,
  kv?: SessionKV,
): World {
  const orders = adapter.sessions.committable('orders', {
    onCommit: async (tx, changes) =>
      ctx.probe.writeInTx(tx, `orders-commit-${changes.length}`, 'yes'),
  });
  const ledger = adapter.sessions.committable('ledger');
  const store = kv ?? adapter.sessions.kv('pipeline');
  const committer = new MultiCommitter(store, {
    orders: wrap('orders', orders),
    ledger: wrap('ledger', ledger),
  });
  return { adapter, kv: store, orders, ledger, committer };
}

/**
 * The batch the application writes in session `key`, replayed identically after a crash. The
 * ledger balance is computed from the committed one, as applications do: a store that applied
 * a replayed session twice would count it twice.
 */
async function batch(w: World, key: Uint8Array, n = 3): Promise<Uint8Array> {
  await w.committer.begin(key);
  for (let i = 0; i < n; i++) {
    w.orders.set(`order-${i}`, utf8(`o${i}@${text(key)}`));
    w.ledger.set(`entry-${i}`, utf8(`l${i}@${text(key)}`));
  }
  const balance = Number(text(await w.ledger.get('balance')) ?? '0');
  w.ledger.set('balance', utf8(String(balance + n)));
  w.ledger.delete('entry-stale');
  return w.committer.commit(key);
}

async function contents(d: CommittableDataset): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const k of await d.keys()) out[k] = text(await d.get(k));
  return out;
}

/**
 * A simulated crash: the process dies at a chosen call, which never returns; `reached` resolves
 * when it gets there, so the test knows the dead process went exactly that far.
 */
class Crash {
  private signal: () => void = () => {};
  readonly reached = new Promise<void>((resolve) => {
    this.signal = resolve;
  });
  die<T>(): Promise<T> {
    this.signal();
    return never<T>();
  }

  /** Wraps the participant `victim` so that its `at` call is where the process dies. */
  participant(
    at: 'begin' | 'commit',
    victim: string,
  ): (name: string, c: Committable) => Committable {
    return (name, c) =>
      name !== victim
        ? c
        : {
            begin: (key) => (at === 'begin' ? this.die() : c.begin(key)),
            beginRecovery: (key) => c.beginRecovery(key),
            commit: (key) => (at === 'commit' ? this.die() : c.commit(key)),
            cancel: () => c.cancel(),
          };
  }

  /** Wraps a KV so that the process dies at the first write matching `when`. */
  kv(kv: SessionKV, when: (key: string, value: Uint8Array) => boolean): SessionKV {
    return {
      get: (k) => kv.get(k),
      delete: (k) => kv.delete(k),
      set: (k, v) => (when(k, v) ? this.die() : kv.set(k, v)),
    };
  }
}

/** What an uninterrupted session produces: the reference for every crash case. */
async function cleanRun(ctx: Ctx): Promise<{
  id: Uint8Array;
  orders: Record<string, string | null>;
  ledger: Record<string, string | null>;
}> {
  const w = world(ctx, await ctx.adapter());
  const id = await batch(w, K1);
  return { id, orders: await contents(w.orders), ledger: await contents(w.ledger) };
}

const crashPoints: {
  name: string;
  unfinished: boolean;
  crash: (ctx: Ctx, a: AnyAdapter, crash: Crash) => World;
}[] = [
  {
    name: 'after the key is written, before any participant begins',
    unfinished: true,
    crash: (ctx, a, crash) => world(ctx, a, crash.participant('begin', 'ledger')),
  },
  {
    name: 'after the first participant committed, before the second',
    unfinished: true,
    crash: (ctx, a, crash) => world(ctx, a, crash.participant('commit', 'orders')),
  },
  {
    name: 'after every participant committed, before the session is recorded as finished',
    unfinished: true,
    crash: (ctx, a, crash) =>
      world(
        ctx,
        a,
        undefined,
        crash.kv(a.sessions.kv('pipeline'), (k) => k.startsWith('done:')),
      ),
  },
  {
    name: 'after the finished record, before the session record is updated',
    unfinished: false,
    crash: (ctx, a, crash) =>
      world(
        ctx,
        a,
        undefined,
        crash.kv(
          a.sessions.kv('pipeline'),
          (k, v) => k === 'session' && text(v)?.includes('finished') === true,
        ),
      ),
  },
];

const crashCases: ConformanceCase[] = crashPoints.map(
  (point): ConformanceCase => ({
    id: `sessions/crash/${point.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
    spec: `§4 Crash recovery — a session interrupted ${point.name}: replaying the same key applies every store exactly once, with the same session id`,
    async run(ctx) {
      const reference = await cleanRun(ctx);
      const a = await ctx.adapter();
      const crash = new Crash();
      void batch(point.crash(ctx, a, crash), K1);
      await crash.reached;
      const b = await ctx.reopen(a);
      const survivor = world(ctx, b);
      if (point.unfinished) {
        expect(text(await survivor.committer.unfinishedKey())).toBe(text(K1));
        await expectError(survivor.committer.begin(K2), IdempotencyKeyMismatchError);
      } else {
        expect(await survivor.committer.unfinishedKey()).toBeNull();
      }
      const again = world(ctx, await ctx.reopen(a));
      const id = await batch(again, K1);
      expect(toHex(id)).toBe(toHex(reference.id));
      expect(await contents(again.orders)).toEqual(reference.orders);
      expect(await contents(again.ledger)).toEqual(reference.ledger);
      expect(await ctx.probe.read(b, 'orders-commit-3')).toBe('yes');
      expect(toHex(await batch(again, K1))).toBe(toHex(reference.id)); // and replay is still idempotent
      expect(await again.committer.unfinishedKey()).toBeNull();
    },
  }),
);

export const sessionCases: ConformanceCase[] = cases([
  ...crashCases,
  {
    id: 'sessions/kv/roundtrip',
    spec: '§4 SessionKV: durable get/set/delete on this backend; get of an absent key is null',
    async run(ctx) {
      const a = await ctx.adapter();
      const kv = a.sessions.kv('ns');
      expect(await kv.get('k')).toBeNull();
      await kv.set('k', utf8('v1'));
      await kv.set('k', utf8('v2'));
      const b = await ctx.reopen(a);
      expect(text(await b.sessions.kv('ns').get('k'))).toBe('v2');
      await kv.delete('k');
      await kv.delete('k');
      expect(await b.sessions.kv('ns').get('k')).toBeNull();
    },
  },
  {
    id: 'sessions/kv/namespaces-injective',
    spec: '§0 Injective keys and tenants: KV namespaces never see each other\'s records; ("a:b","c") and ("a","b:c") differ',
    async run(ctx) {
      const a = await ctx.adapter();
      await a.sessions.kv('a:b').set('c', utf8('first'));
      await a.sessions.kv('a').set('b:c', utf8('second'));
      await a.sessions.kv('a%3Ab').set('c', utf8('third'));
      expect(text(await a.sessions.kv('a:b').get('c'))).toBe('first');
      expect(text(await a.sessions.kv('a').get('b:c'))).toBe('second');
      expect(text(await a.sessions.kv('a%3Ab').get('c'))).toBe('third');
      expect(await a.sessions.kv('other').get('c')).toBeNull();
    },
  },
  {
    id: 'sessions/kv/validation',
    spec: '§0 Bad input gets a typed error and writes nothing: KV namespaces, keys and values',
    async run(ctx) {
      const a = await ctx.adapter();
      expect(() => a.sessions.kv('')).toThrow(ValidationError);
      const kv = a.sessions.kv('ns');
      await expectError(kv.set('', utf8('x')), ValidationError, 'key');
      await expectError(kv.get('\uD800'), ValidationError, 'key');
      await expectError(kv.set('k', 'x' as unknown as Uint8Array), ValidationError, 'value');
      await expectError(kv.set('k', new Uint8Array(1_000_001)), PayloadTooLargeError);
      expect(await kv.get('k')).toBeNull();
    },
  },
  {
    id: 'sessions/dataset/applies-at-commit',
    spec: '§4 CommittableDataset takes set/delete during a session and applies them at commit, with its (lastKey, lastId) marker',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      await d.begin(K1);
      d.set('a', utf8('1'));
      d.set('b', utf8('2'));
      expect(await d.get('a')).toBeNull();
      const id = await d.commit(K1);
      expect(await contents(d)).toEqual({ a: '1', b: '2' });
      const marker = await d.marker();
      expect(toHex(marker?.key ?? new Uint8Array())).toBe(toHex(K1));
      expect(toHex(marker?.id ?? new Uint8Array())).toBe(toHex(id));
      await d.begin(K2);
      d.delete('a');
      d.set('c', utf8('3'));
      await d.commit(K2);
      expect(await contents(d)).toEqual({ b: '2', c: '3' });
    },
  },
  {
    id: 'sessions/dataset/id-over-ordered-changes',
    spec: '§4 CommittableDataset: its id is a sha256 over the ordered changes (deterministic, whatever the call order)',
    async run(ctx) {
      const a = await ctx.adapter();
      const one = a.sessions.committable('one');
      const two = a.sessions.committable('two');
      await one.begin(K1);
      one.set('x', utf8('1'));
      one.set('y', utf8('2'));
      one.delete('z');
      await two.begin(K1);
      two.delete('z');
      two.set('y', utf8('0'));
      two.set('x', utf8('1'));
      two.set('y', utf8('2'));
      const idOne = await one.commit(K1);
      const idTwo = await two.commit(K1);
      expect(toHex(idOne)).toBe(toHex(idTwo));
      const expected = datasetChangesId([
        { key: 'x', value: utf8('1') },
        { key: 'y', value: utf8('2') },
        { key: 'z', value: null },
      ]);
      expect(toHex(idOne)).toBe(toHex(expected));
    },
  },
  {
    id: 'sessions/dataset/cancel-discards',
    spec: '§4 Committable.cancel: the session is reset to the state before begin',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      await d.begin(K1);
      d.set('a', utf8('1'));
      await d.cancel();
      expect(await d.keys()).toEqual([]);
      expect(await d.marker()).toBeNull();
      await d.begin(K1);
      d.set('b', utf8('2'));
      await d.commit(K1);
      expect(await contents(d)).toEqual({ b: '2' });
    },
  },
  {
    id: 'sessions/dataset/session-state-errors',
    spec: '§4 CommittableDataset: set/delete/commit outside a session and a second begin are errors that change nothing',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      expect(() => d.set('a', utf8('1'))).toThrow(SessionStateError);
      expect(() => d.delete('a')).toThrow(SessionStateError);
      await expectError(d.commit(K1), SessionStateError);
      await d.begin(K1);
      d.set('a', utf8('1'));
      await expectError(d.begin(K2), SessionStateError);
      await expectError(d.commit(K2), IdempotencyKeyMismatchError);
      await d.commit(K1);
      expect(await contents(d)).toEqual({ a: '1' });
    },
  },
  {
    id: 'sessions/dataset/validation',
    spec: '§0 Bad input gets a typed error and writes nothing: dataset names, keys, values, idempotency keys',
    async run(ctx) {
      const a = await ctx.adapter();
      expect(() => a.sessions.committable('')).toThrow(ValidationError);
      const d = a.sessions.committable('orders');
      await expectError(d.begin(new Uint8Array(0)), ValidationError, 'idempotencyKey');
      await expectError(d.begin('key' as unknown as Uint8Array), ValidationError, 'idempotencyKey');
      await d.begin(K1);
      expect(() => d.set('', utf8('x'))).toThrow(ValidationError);
      expect(() => d.set('k', 5 as unknown as Uint8Array)).toThrow(ValidationError);
      expect(() => d.set('k', new Uint8Array(1_000_001))).toThrow(PayloadTooLargeError);
      await d.commit(K1);
      expect(await d.keys()).toEqual([]);
    },
  },
  {
    id: 'sessions/dataset/recovery-skips-applied',
    spec: '§4 CommittableDataset: in recovery, if its marker already holds the key it skips the writes and returns the stored id',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      await d.begin(K1);
      d.set('a', utf8('first'));
      const id = await d.commit(K1);
      const b = await ctx.reopen(a);
      const again = b.sessions.committable('orders');
      await again.beginRecovery(K1);
      again.set('a', utf8('different'));
      again.set('extra', utf8('x'));
      expect(toHex(await again.commit(K1))).toBe(toHex(id));
      expect(await contents(again)).toEqual({ a: 'first' });
    },
  },
  {
    id: 'sessions/dataset/marker-follows-latest-commit',
    spec: '§4 CommittableDataset: every commit moves the marker to its own key, so the recovery of the latest session — not only of the first — is skipped',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      await d.begin(K1);
      d.set('a', utf8('first'));
      await d.commit(K1);
      await d.begin(K2);
      d.set('a', utf8('second'));
      const id = await d.commit(K2);
      const marker = await d.marker();
      expect(toHex(marker?.key ?? new Uint8Array()), 'the marker holds the latest commit').toBe(
        toHex(K2),
      );
      expect(toHex(marker?.id ?? new Uint8Array())).toBe(toHex(id));
      const b = await ctx.reopen(a);
      const again = b.sessions.committable('orders');
      await again.beginRecovery(K2);
      again.set('a', utf8('replayed'));
      again.set('extra', utf8('x'));
      expect(
        toHex(await again.commit(K2)),
        'recovery of the second session returns its stored id',
      ).toBe(toHex(id));
      expect(await contents(again), 'recovery of the second session applies nothing').toEqual({
        a: 'second',
      });
    },
  },
  {
    id: 'sessions/dataset/keys-byte-order',
    spec: '§4 CommittableDataset: keys() lists the keys in byte-wise (UTF-8) order',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders');
      // UTF-16 code units put U+1F600 before U+FF5E; UTF-8 bytes put it after. 'Z' < 'a' < 'é'.
      const byteOrder = ['A', 'Z', 'a', 'z', 'é', '～', '😀'];
      await d.begin(K1);
      for (const k of [...byteOrder].reverse()) d.set(k, utf8(k));
      await d.commit(K1);
      expect(await d.keys(), 'dataset keys() are in byte-wise order').toEqual(byteOrder);
    },
  },
  {
    id: 'sessions/dataset/monotonic-keys',
    spec: '§4 CommittableDataset: optional monotonicKeys rejects a key not greater than the last one',
    async run(ctx) {
      const a = await ctx.adapter();
      const d = a.sessions.committable('orders', { monotonicKeys: true });
      await d.begin(K2);
      d.set('a', utf8('1'));
      await d.commit(K2);
      await expectError(d.begin(K1), ValidationError, 'idempotencyKey');
      await d.beginRecovery(K2); // the same key is a replay: skipped, not rejected
      d.set('a', utf8('2'));
      await d.commit(K2);
      expect(await contents(d)).toEqual({ a: '1' });
      const K3 = utf8('session-0003');
      await d.begin(K3);
      d.set('a', utf8('3'));
      await d.commit(K3);
      expect(await contents(d)).toEqual({ a: '3' });
    },
  },
  {
    id: 'sessions/dataset/on-commit-atomic',
    spec: "§4 CommittableDataset applies its changes in one backend transaction together with the user's writes (onCommit)",
    async run(ctx) {
      const a = await ctx.adapter();
      const failing = a.sessions.committable('orders', {
        onCommit: async (tx) => {
          await ctx.probe.writeInTx(tx, 'audit', 'written');
          throw new Error('audit failed');
        },
      });
      await failing.begin(K1);
      failing.set('a', utf8('1'));
      await expect(failing.commit(K1)).rejects.toThrow('audit failed');
      expect(await failing.keys()).toEqual([]);
      expect(await failing.marker()).toBeNull();
      expect(await ctx.probe.read(a, 'audit')).toBeNull();
      const working = a.sessions.committable('orders', {
        onCommit: async (tx, changes) =>
          ctx.probe.writeInTx(tx, 'audit', `${changes.length} changes`),
      });
      await working.begin(K1);
      working.set('a', utf8('1'));
      await working.commit(K1);
      expect(await ctx.probe.read(a, 'audit')).toBe('1 changes');
      expect(await contents(working)).toEqual({ a: '1' });
    },
  },
  {
    id: 'sessions/dataset/names-injective',
    spec: '§0 Injective keys: dataset "a:b" key "c" and dataset "a" key "b:c" are different records',
    async run(ctx) {
      const a = await ctx.adapter();
      const ab = a.sessions.committable('a:b');
      const plain = a.sessions.committable('a');
      await ab.begin(K1);
      ab.set('c', utf8('first'));
      await ab.commit(K1);
      await plain.begin(K1);
      plain.set('b:c', utf8('second'));
      await plain.commit(K1);
      expect(await contents(ab)).toEqual({ c: 'first' });
      expect(await contents(plain)).toEqual({ 'b:c': 'second' });
    },
  },
  {
    id: 'sessions/committer/key-written-before-begin',
    spec: '§4 begin(key): the key is written to the KV before any participant begins',
    async run(ctx) {
      const a = await ctx.adapter();
      const kv = a.sessions.kv('pipeline');
      const observed: (string | null)[] = [];
      const probe: Committable = {
        begin: async () => {
          const committer = new MultiCommitter(kv);
          const open = await committer.unfinishedKey();
          observed.push(open ? text(open) : null);
        },
        beginRecovery: async () => {},
        commit: async () => utf8('id'),
        cancel: async () => {},
      };
      const committer = new MultiCommitter(kv, { probe });
      await committer.begin(K1);
      expect(observed).toEqual([text(K1)]);
      await committer.commit(K1);
      expect(await committer.unfinishedKey()).toBeNull();
    },
  },
  {
    id: 'sessions/committer/combined-id',
    spec: '§4 commit: participants commit in name order; the combined id is sha256 over (name, length, id) for each participant in name order',
    async run(ctx) {
      const a = await ctx.adapter();
      const order: string[] = [];
      const ids: Record<string, Uint8Array> = {};
      const tracking = (name: string, c: Committable): Committable => ({
        begin: (k) => c.begin(k),
        beginRecovery: (k) => c.beginRecovery(k),
        commit: async (k) => {
          order.push(name);
          ids[name] = await c.commit(k);
          return ids[name] as Uint8Array;
        },
        cancel: () => c.cancel(),
      });
      const w = world(ctx, a, tracking);
      const id = await batch(w, K1);
      expect(order).toEqual(['ledger', 'orders']);
      expect(toHex(id)).toBe(
        toHex(
          combinedSessionId([
            ['ledger', ids.ledger as Uint8Array],
            ['orders', ids.orders as Uint8Array],
          ]),
        ),
      );
    },
  },
  {
    id: 'sessions/committer/replay-finished',
    spec: '§4 Replaying begin+commit of a finished key returns the same id without applying anything twice',
    async run(ctx) {
      const a = await ctx.adapter();
      const w = world(ctx, a);
      const id = await batch(w, K1);
      const before = await contents(w.orders);
      await batch(w, K2);
      // An old key, replayed in another process after a newer session: still nothing applied.
      const replay = world(ctx, await ctx.reopen(a));
      await replay.committer.begin(K1);
      replay.orders.set('order-0', utf8('changed'));
      replay.orders.set('order-new', utf8('new'));
      expect(toHex(await replay.committer.commit(K1))).toBe(toHex(id));
      const after = await contents(w.orders);
      expect(after['order-new']).toBeUndefined();
      expect(after['order-0']).not.toBe('changed');
      expect(Object.keys(after)).toEqual(Object.keys(before));
    },
  },
  {
    id: 'sessions/committer/different-unfinished-key',
    spec: '§4 begin: if the KV holds a different unfinished key → IdempotencyKeyMismatchError (nothing changes)',
    async run(ctx) {
      const a = await ctx.adapter();
      const crash = new Crash();
      void batch(world(ctx, a, crash.participant('commit', 'orders')), K1);
      await crash.reached;
      const other = world(ctx, await ctx.reopen(a));
      const error = await expectError(other.committer.begin(K2), IdempotencyKeyMismatchError);
      expect(error.openKey).toBe(toHex(K1));
      expect(error.requestedKey).toBe(toHex(K2));
      expect(text(await other.committer.unfinishedKey())).toBe(text(K1));
      expect(await other.orders.keys()).toEqual([]);
    },
  },
  {
    id: 'sessions/committer/second-begin',
    spec: '§4 A second begin while open → error without disturbing the open session',
    async run(ctx) {
      const a = await ctx.adapter();
      const w = world(ctx, a);
      await w.committer.begin(K1);
      w.orders.set('a', utf8('1'));
      await expectError(w.committer.begin(K1), SessionStateError);
      await expectError(w.committer.begin(K2), SessionStateError);
      w.ledger.set('b', utf8('2'));
      await expectError(w.committer.commit(K2), IdempotencyKeyMismatchError);
      await w.committer.commit(K1);
      expect(await contents(w.orders)).toEqual({ a: '1' });
      expect(await contents(w.ledger)).toEqual({ b: '2' });
    },
  },
  {
    id: 'sessions/committer/register-rules',
    spec: '§4 register(name, c): error if the name is taken or a session is open',
    async run(ctx) {
      const a = await ctx.adapter();
      const w = world(ctx, a);
      expect(() => w.committer.register('orders', a.sessions.committable('x'))).toThrow(
        ValidationError,
      );
      expect(() => w.committer.register('', a.sessions.committable('x'))).toThrow(ValidationError);
      expect(() => w.committer.register('bad', {} as Committable)).toThrow(ValidationError);
      await w.committer.begin(K1);
      expect(() => w.committer.register('late', a.sessions.committable('late'))).toThrow(
        SessionStateError,
      );
      await w.committer.commit(K1);
      w.committer.register('late', a.sessions.committable('late'));
    },
  },
  {
    id: 'sessions/committer/failure-cancels-and-recovers',
    spec: '§4 Any failure cancels every participant (name order) and leaves the KV so that the same key can be recovered',
    async run(ctx) {
      const reference = await cleanRun(ctx);
      const a = await ctx.adapter();
      const cancelled: string[] = [];
      let fail = true;
      const flaky = (name: string, c: Committable): Committable => ({
        begin: (k) => c.begin(k),
        beginRecovery: (k) => c.beginRecovery(k),
        commit: async (k) => {
          if (name === 'orders' && fail) throw new Error('orders store unavailable');
          return c.commit(k);
        },
        cancel: async () => {
          cancelled.push(name);
          await c.cancel();
        },
      });
      const w = world(ctx, a, flaky);
      await expect(batch(w, K1)).rejects.toThrow('orders store unavailable');
      expect(cancelled).toEqual(['ledger', 'orders']);
      expect(text(await w.committer.unfinishedKey())).toBe(text(K1));
      expect(await contents(w.ledger)).toEqual(reference.ledger); // ledger committed before the failure
      fail = false;
      const id = await batch(w, K1);
      expect(toHex(id)).toBe(toHex(reference.id));
      expect(await contents(w.orders)).toEqual(reference.orders);
      expect(await contents(w.ledger)).toEqual(reference.ledger);
    },
  },
  {
    id: 'sessions/committer/cancel-restores',
    spec: '§4 MultiCommitter.cancel before commit: nothing applied, and the KV is as before begin',
    async run(ctx) {
      const a = await ctx.adapter();
      const w = world(ctx, a);
      await w.committer.begin(K1);
      w.orders.set('a', utf8('1'));
      await w.committer.cancel();
      expect(await w.committer.unfinishedKey()).toBeNull();
      expect(await w.orders.keys()).toEqual([]);
      await w.committer.begin(K2);
      w.orders.set('b', utf8('2'));
      await w.committer.commit(K2);
      expect(await contents(w.orders)).toEqual({ b: '2' });
    },
  },
  {
    id: 'sessions/committer/state-errors',
    spec: '§4 commit(key): key must match; commit without begin is an error',
    async run(ctx) {
      const a = await ctx.adapter();
      const w = world(ctx, a);
      await expectError(w.committer.commit(K1), SessionStateError);
      await expectError(w.committer.begin(new Uint8Array()), ValidationError, 'idempotencyKey');
      expect(() => new MultiCommitter({} as SessionKV)).toThrow(ValidationError);
    },
  },
  {
    id: 'sessions/committer/concurrent-recovery',
    spec: '§4 After a crash, two processes replaying the same session concurrently apply every store exactly once, with one id',
    async run(ctx) {
      const reference = await cleanRun(ctx);
      const a = await ctx.adapter();
      const crash = new Crash();
      void batch(world(ctx, a, crash.participant('commit', 'orders')), K1);
      await crash.reached;
      const replicas = await Promise.all([ctx.reopen(a), ctx.reopen(a)]);
      const ids = await parallel(2, (i) => batch(world(ctx, replicas[i] as AnyAdapter), K1));
      expect(toHex(ids[0] as Uint8Array)).toBe(toHex(reference.id));
      expect(toHex(ids[1] as Uint8Array)).toBe(toHex(reference.id));
      const check = world(ctx, a);
      expect(await contents(check.orders)).toEqual(reference.orders);
      expect(await contents(check.ledger)).toEqual(reference.ledger);
    },
  },
  {
    id: 'sessions/committer/deterministic-across-processes',
    spec: '§4 One deterministic session id: the same batch gives the same id on separate stores',
    async run(ctx) {
      const first = world(ctx, await ctx.adapter());
      const second = world(ctx, await ctx.adapter());
      expect(toHex(await batch(first, K1))).toBe(toHex(await batch(second, K1)));
      expect(toHex(await batch(first, K2))).not.toBe(
        toHex(await batch(first, utf8('session-0003'))),
      );
    },
  },
]);
