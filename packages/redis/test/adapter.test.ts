/**
 * What the conformance suite does not reach: client ownership, the adapter's own options, the
 * Tx's rules (colocated keys, Cluster slots, Redis' lack of rollback), error translation,
 * recognised resends, garbage collection by PEXPIRE only, and pub/sub waking watchers.
 */
import {
  AlreadyExistsError,
  BackendError,
  type HlcRange,
  hlc,
  ValidationError,
} from '@checkpointkit/core';
import { ManualClock } from '@checkpointkit/core/conformance';
import { freePort, HOST } from '@checkpointkit/test-services';
import { type Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter, type RedisTx } from '../src/index.js';
import { WriteJournal } from '../src/journal.js';
import { keyLayout } from '../src/key-layout.js';
import { checkpointInsert } from '../src/lua/checkpoint-insert.js';
import { operationAppend } from '../src/lua/operation-append.js';
import { newNonce } from '../src/nonce.js';
import { type RedisScript, type ScriptArg, ScriptRunner } from '../src/scripts.js';
import { Units } from '../src/tx/unit.js';
import {
  connectionOf,
  deletePrefix,
  keysMatching,
  masters,
  newClient,
  type Topology,
  uniquePrefix,
} from './support/clients.js';

const HOUR_MS = 3_600_000;
const TTL = { ttlMs: HOUR_MS };
const key = (resourceId: string, uniquifier = '') => ({
  project: 'shop',
  resourceId,
  processId: 'billing/charge',
  uniquifier,
});

/** Adapters (and their clients and prefixes) made by a test, cleaned up after it. */
const made: { adapter: RedisAdapter; client: Redis | Cluster }[] = [];
afterEach(async () => {
  for (const { adapter, client } of made.splice(0)) {
    await adapter.close();
    await deletePrefix(client, adapter.keyPrefix);
    await client.quit();
  }
});

async function adapterOn(topology: Topology, clock?: () => number): Promise<RedisAdapter> {
  const client = newClient(topology);
  const adapter = createRedisAdapter(
    { client },
    { keyPrefix: uniquePrefix('adapter'), ...(clock ? { clock } : {}) },
  );
  made.push({ adapter, client });
  await adapter.setup();
  return adapter;
}

async function expectError<E extends Error>(
  work: Promise<unknown> | (() => unknown),
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  return expect.fail(`expected ${type.name}`);
}

describe('options and connections', () => {
  it('validates keyPrefix, the connection, and maxPayloadBytes before opening anything', () => {
    const url = { url: 'redis://127.0.0.1:1' };
    for (const keyPrefix of ['', 'a{b}', 'has space', 'x'.repeat(65)]) {
      expect(() => createRedisAdapter(url, { keyPrefix })).toThrow(ValidationError);
    }
    expect(() => createRedisAdapter(url, { maxPayloadBytes: 1024 ** 3 })).toThrow(ValidationError);
    expect(() => createRedisAdapter(url, { gcGraceMs: 0 })).toThrow(ValidationError);
    const both = { url: 'redis://127.0.0.1:1', client: {} } as never;
    expect(() => createRedisAdapter(both)).toThrow(ValidationError);
    expect(() => createRedisAdapter({} as never)).toThrow(ValidationError);
    expect(() => createRedisAdapter({ client: {} as never })).toThrow(ValidationError);
  });

  it("refuses a client with ioredis' own keyPrefix (it would prefix only some keys)", async () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    const error = await expectError(() => createRedisAdapter({ client }), ValidationError);
    expect(error.field).toBe('connection.client');
    client.disconnect();
    // Nor through options for a client the adapter would open (which it then closes again).
    const url = {
      url: 'redis://127.0.0.1:1',
      redisOptions: { keyPrefix: 'app:', lazyConnect: true },
    };
    expect(() => createRedisAdapter(url)).toThrow(ValidationError);
  });

  it.each<Topology>(['standalone', 'cluster'])(
    '%s: never closes a client it was given; closes what it opened itself, subscriber included',
    async (topology) => {
      const given = newClient(topology);
      const borrowing = createRedisAdapter({ client: given }, { keyPrefix: uniquePrefix('own') });
      await borrowing.setup();
      const group = await borrowing.groups.start('orders');
      await group.stop();
      await borrowing.close();
      expect(await given.ping()).toBe('PONG');
      await given.quit();

      const name = `ck-owned-${process.pid}-${Date.now()}`;
      const connection =
        topology === 'standalone'
          ? { ...connectionOf(topology), redisOptions: { connectionName: name } }
          : {
              ...connectionOf(topology),
              clusterOptions: { redisOptions: { connectionName: name } },
            };
      const owning = createRedisAdapter(connection as never, { keyPrefix: uniquePrefix('own') });
      await owning.setup();
      const watcher = await owning.groups.start('orders', { pollIntervalMs: 60_000 });
      const admin = newClient(topology);
      const named = async (): Promise<number> => {
        let count = 0;
        for (const node of await masters(admin))
          count += String(await node.client('LIST'))
            .split('\n')
            .filter((l) => l.includes(` name=${name} `)).length;
        return count;
      };
      // The adapter's client and its subscriber connection (on a Cluster: one per node it used).
      expect(await named()).toBeGreaterThanOrEqual(2);
      await watcher.stop();
      await owning.close();
      expect(owning.client.status).toBe('end');
      const deadline = Date.now() + 5000;
      while ((await named()) > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await named()).toBe(0);
      await admin.quit();
    },
  );

  it('translates an unreachable server into a retryable BackendError', async () => {
    const port = await freePort();
    const adapter = createRedisAdapter(
      {
        url: `redis://${HOST}:${port}`,
        redisOptions: { retryStrategy: () => null, maxRetriesPerRequest: 0 },
      },
      { keyPrefix: 'down' },
    );
    const error = await expectError(adapter.checkpoints.exists(key('r')), BackendError);
    expect(error.retryable).toBe(true);
    await adapter.close();
  });
});

describe.each<Topology>(['standalone', 'cluster'])('%s: inside a transaction', (topology) => {
  it('tx.key(...) lands where colocatedKey(anchor, ...) says, for every kind of transaction', async () => {
    const a = await adapterOn(topology);
    const get = (k: string) => a.client.get(k);
    await a.checkpoints.runOnce(key('order-1'), TTL, async (tx) => {
      expect(tx.anchor).toBe('c:shop:order-1');
      tx.set(tx.key('charge', 'a:b{c}'), 'run-once');
    });
    expect(await get(a.colocatedKey({ checkpoint: key('order-1') }, 'charge', 'a:b{c}'))).toBe(
      'run-once',
    );

    await a.transaction(async (tx) => {
      expect(tx.anchor).toBeNull();
      tx.set(tx.key('bare'), 'bare');
    });
    expect(await get(a.colocatedKey({ transaction: true }, 'bare'))).toBe('bare');

    // insertIn anchors a bare transaction at its checkpoint, even after the user's first write.
    await a.transaction(async (tx) => {
      tx.set(tx.key('audit'), 'with checkpoint');
      await a.checkpoints.insertIn(tx, key('order-2'), TTL);
      expect(tx.anchor).toBe('c:shop:order-2');
    });
    expect(await get(a.colocatedKey({ checkpoint: key('order-2') }, 'audit'))).toBe(
      'with checkpoint',
    );

    const dataset = a.sessions.committable('orders', {
      onCommit: async (tx) => tx.set(tx.key('audit'), 'dataset'),
    });
    await dataset.begin(new TextEncoder().encode('k1'));
    dataset.set('x', new TextEncoder().encode('1'));
    await dataset.commit(new TextEncoder().encode('k1'));
    expect(await get(a.colocatedKey({ dataset: 'orders' }, 'audit'))).toBe('dataset');

    const node = a.nodes<number>().for('pool');
    await node.create(1);
    await node.run({
      modify: (n) => n + 1,
      commit: async (tx) => tx.rpush(tx.key('tasks'), 'task-1'),
    });
    expect(await a.client.lrange(a.colocatedKey({ node: 'pool' }, 'tasks'), 0, -1)).toEqual([
      'task-1',
    ]);
  });

  it('a tx that has ended refuses commands; commands are validated', async () => {
    const a = await adapterOn(topology);
    let leaked: RedisTx | undefined;
    await a.transaction(async (tx) => {
      leaked = tx;
      expect(() => tx.call('NOT A COMMAND')).toThrow(ValidationError);
      expect(() => tx.call('SET', tx.key('k'), {} as never)).toThrow(ValidationError);
      expect(() => tx.key()).toThrow(ValidationError);
    });
    expect(() => leaked?.set('k', 'v')).toThrow(BackendError);
    await expectError(
      a.transaction(async () => a.checkpoints.insertIn(leaked as never, key('r'), TTL)),
      BackendError,
    );
  });

  it('a tx belongs to its adapter', async () => {
    const a = await adapterOn(topology);
    const b = await adapterOn(topology);
    const error = await expectError(
      a.transaction(async (tx) => b.checkpoints.insertIn(tx, key('r'), TTL)),
      ValidationError,
    );
    expect(error.field).toBe('tx');
  });

  it('Redis cannot roll back: a command that fails at run time keeps the ones before it, and the checkpoint is not written', async () => {
    const a = await adapterOn(topology);
    await a.checkpoints.runOnce(key('r', 'setup'), TTL, async (tx) =>
      tx.set(tx.key('text'), 'not a list'),
    );
    const error = await expectError(
      a.checkpoints.runOnce(key('r'), TTL, async (tx) => {
        tx.set(tx.key('before'), 'applied');
        tx.rpush(tx.key('text'), 'x'); // WRONGTYPE
        tx.set(tx.key('after'), 'never');
      }),
      BackendError,
    );
    expect(error.message).toContain('WRONGTYPE');
    expect(await a.checkpoints.exists(key('r'))).toBe(false);
    expect(await a.client.get(a.colocatedKey({ checkpoint: key('r') }, 'before'))).toBe('applied');
    expect(await a.client.get(a.colocatedKey({ checkpoint: key('r') }, 'after'))).toBeNull();
  });

  it(
    topology === 'cluster'
      ? 'on a Cluster, every key of a transaction must share its hash slot: other slots fail the whole unit'
      : 'on a standalone server, a transaction may span hash tags',
    async () => {
      const a = await adapterOn(topology);
      const otherResource = () =>
        a.checkpoints.runOnce(key('order-1'), TTL, async (tx) => {
          tx.set(tx.key('effect'), 'x');
          await a.checkpoints.insertIn(tx, key('order-2'), TTL);
        });
      const rawElsewhere = () =>
        a.checkpoints.runOnce(key('order-3'), TTL, async (tx) => {
          tx.set(tx.key('effect'), 'x');
          tx.set('{somewhere-else}:key', 'x');
        });
      if (topology === 'cluster') {
        expect((await expectError(otherResource, ValidationError)).field).toBe('key');
        expect((await expectError(rawElsewhere, ValidationError)).field).toBe('key');
        for (const r of ['order-1', 'order-2', 'order-3'])
          expect(await a.checkpoints.exists(key(r))).toBe(false);
        expect(await keysMatching(a.client, `${a.keyPrefix}:*:user:*`)).toEqual([]);
      } else {
        await otherResource();
        await rawElsewhere();
        expect(await a.checkpoints.exists(key('order-2'))).toBe(true);
        expect(await a.client.get('{somewhere-else}:key')).toBe('x');
        await a.client.del('{somewhere-else}:key');
      }
    },
  );
});

describe.each<Topology>(['standalone', 'cluster'])('%s: storage details', (topology) => {
  it('expiry is checked on the adapter clock; PEXPIRE only collects garbage later', async () => {
    const clock = new ManualClock();
    const a = await adapterOn(topology, clock.now);
    await a.checkpoints.insert(key('r', 'short'), { ttlMs: 1000 });
    const layout = keyLayout(a.keyPrefix);
    const records = layout.checkpointRecords('shop', 'r', 'billing/charge');
    const pttl = await a.client.pttl(records);
    expect(pttl).toBeGreaterThan(1000); // ttl + grace, never the bare ttl
    clock.advance(1000);
    expect(await a.checkpoints.exists(key('r', 'short'))).toBe(false);
    expect(await a.client.hget(records, 'short')).not.toBeNull(); // expired, unswept, not served
    expect(await a.checkpoints.tryInsert(key('r', 'short'), TTL)).toBe(true);
  });

  it('a resent write (lost reply, ioredis resends) is recognised as applied, even after other writes', async () => {
    const a = await adapterOn(topology);
    const scripts = new ScriptRunner(a.client);
    const layout = keyLayout(a.keyPrefix);
    const journal = new WriteJournal(scripts, layout, {
      resendWindowMs: 60_000,
      settleTimeoutMs: 1000,
    });
    // What ioredis sends again after reconnecting: the very same command, same entry.
    const keyedSend = (script: RedisScript, keys: string[], args: ScriptArg[], entry: string) =>
      scripts.run(script, [...keys, entry], args);
    const journaledSend = (script: RedisScript, keys: string[], args: ScriptArg[], entry: string) =>
      scripts.run(script, [...keys, entry], [...args, 0, Date.now(), 60_000, 120_000]);

    const tag = layout.checkpointTag('shop', 'r');
    const keys = [
      layout.checkpointRecords('shop', 'r', 'billing/charge'),
      layout.checkpointIndex('shop', 'r', 'billing/charge'),
    ];
    const now = Date.now();
    const mine = journal.keyed(tag);
    const value = `${now}:${now + HOUR_MS}:${mine.nonce}::`;
    const other = `${now}:${now + HOUR_MS}:${newNonce()}::`;
    const insert = (v: string, entry: string) =>
      keyedSend(checkpointInsert, keys, ['u', now, v, HOUR_MS, ''], entry);
    expect(await insert(value, mine.entry)).toBeNull();
    expect(await insert(value, mine.entry)).toBeNull(); // the resend
    expect(await insert(other, journal.keyed(tag).entry)).toBe(value); // another write: the live record

    // An append resent after another append landed in between: the first reply, applied once.
    const opTag = layout.operationTag('op');
    const op = [layout.operationMeta('op'), layout.operationIds('op')];
    const appendArgs = ['', now, 'l', 'd', now, layout.operationCheckpointPrefix('op')];
    const first = layout.journalEntry(opTag, newNonce());
    expect(await journaledSend(operationAppend, op, appendArgs, first)).toEqual(['ok', 1]);
    await a.operations.open('op').checkpoint('between', new Uint8Array([1]));
    expect(await journaledSend(operationAppend, op, appendArgs, first)).toEqual(['ok', 1]);
    expect(await a.operations.open('op').list()).toEqual(['0000000000000001', '0000000000000002']);

    // A whole transaction unit sent twice: its guard and its user commands apply once.
    const units = new Units(
      { userKey: layout.userKey, isCluster: a.client.isCluster },
      a.client,
      journal,
    );
    const { state, tx } = units.open(tag);
    tx.incrby(tx.key('count'), 1);
    state.guards.push({
      kind: 'checkpoint',
      records: keys[0] as string,
      index: keys[1] as string,
      record: { key: key('r', 'unit'), creationMs: now, expiryMs: now + HOUR_MS },
      value: `${now}:${now + HOUR_MS}:${state.nonce}::`,
      extras: '',
      nowMs: now,
      gcTtlMs: HOUR_MS,
      own: true,
    });
    expect(await units.commit(state)).toEqual({ kind: 'applied' });
    state.finished = false;
    expect(await units.commit(state)).toEqual({ kind: 'applied' });
    expect(await a.client.get(a.colocatedKey({ checkpoint: key('r') }, 'count'))).toBe('1');
  });

  it('pub/sub wakes watch() in another process at once (polling set to a minute)', async () => {
    const a = await adapterOn(topology);
    const b = createRedisAdapter(connectionOf(topology), { keyPrefix: a.keyPrefix });
    const watcher = await a.groups.start('orders', { pollIntervalMs: 60_000 });
    const writer = await b.groups.start('orders', { pollIntervalMs: 60_000 });
    const controller = new AbortController();
    try {
      const seen = watcher.watch({ signal: controller.signal })[Symbol.asyncIterator]();
      await seen.next();
      const started = Date.now();
      await writer.advance('p', hlc(5));
      const woken = (await seen.next()).value as HlcRange;
      expect(woken.max).toEqual(hlc(5, 1));
      expect(Date.now() - started).toBeLessThan(2000);
      await writer.commit({ min: hlc(0), max: hlc(6) });
      expect(((await seen.next()).value as HlcRange).min).toEqual(hlc(5));
    } finally {
      controller.abort();
      await watcher.stop();
      await writer.stop();
      await b.close();
    }
  });

  it('an existing checkpoint makes insertIn fail the whole unit with core AlreadyExistsError', async () => {
    const a = await adapterOn(topology);
    await a.checkpoints.insert(key('r'), TTL);
    const error = await expectError(
      a.transaction(async (tx) => {
        tx.set(tx.key('effect'), 'x');
        await a.checkpoints.insertIn(tx, key('r'), TTL);
      }),
      AlreadyExistsError,
    );
    expect((error.existing as { key: unknown }).key).toEqual(key('r'));
    expect(await a.client.get(a.colocatedKey({ checkpoint: key('r') }, 'effect'))).toBeNull();
  });
});
