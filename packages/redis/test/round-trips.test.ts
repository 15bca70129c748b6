/**
 * Round trips per call (issue 4): exists, insert, tryInsert and claim one each; runOnce with
 * user writes two, and one when the checkpoint is already live. Counted on the client's
 * sockets on both topologies, and cross-checked on a server of this file's own with INFO
 * commandstats (the shared servers serve other test files at the same time).
 */
import type { EventEmitter } from 'node:events';
import { freePort, HOST, makeTempDir, RedisServer, removeDir } from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter } from '../src/index.js';
import { newClient, type Topology, uniquePrefix } from './support/clients.js';
import { RoundTripCounter } from './support/round-trips.js';

const TTL = { ttlMs: 60_000 };
const key = (uniquifier: string) => ({
  project: 'shop',
  resourceId: 'order-42',
  processId: 'billing/charge',
  uniquifier,
});

interface Costs {
  exists: number;
  insert: number;
  tryInsert: number;
  claim: number;
  runOnceFresh: number;
  runOnceLive: number;
}

async function measure(adapter: RedisAdapter, counter: RoundTripCounter): Promise<Costs> {
  const cp = adapter.checkpoints;
  const costs: Costs = {
    exists: await counter.count(() => cp.exists(key('a'))),
    insert: await counter.count(() => cp.insert(key('a'), TTL)),
    tryInsert: await counter.count(() => cp.tryInsert(key('b'), TTL)),
    claim: await counter.count(() => cp.claim(key('c'), { leaseMs: 60_000, owner: 'w' })),
    runOnceFresh: await counter.count(() =>
      cp.runOnce(key('d'), TTL, async (tx) => {
        tx.set(tx.key('charge'), 'charged');
        tx.incrby(tx.key('charges'), 1);
        tx.rpush(tx.key('log'), 'd');
      }),
    ),
    runOnceLive: 0,
  };
  let called = false;
  costs.runOnceLive = await counter.count(() =>
    cp.runOnce(key('d'), TTL, async () => {
      called = true;
    }),
  );
  expect(called).toBe(false);
  expect(await adapter.client.get(adapter.colocatedKey({ checkpoint: key('d') }, 'charge'))).toBe(
    'charged',
  );
  return costs;
}

const budget: Costs = {
  exists: 1,
  insert: 1,
  tryInsert: 1,
  claim: 1,
  runOnceFresh: 2,
  runOnceLive: 1,
};

describe.each<Topology>(['standalone', 'cluster'])('round trips on %s', (topology) => {
  it('exists, insert, tryInsert, claim: 1 each; runOnce with user writes: 2, and 1 when live', async () => {
    const client = newClient(topology);
    const adapter = createRedisAdapter({ client }, { keyPrefix: uniquePrefix('rt') });
    try {
      await adapter.setup();
      const counter = await RoundTripCounter.attach(client);
      const costs = await measure(adapter, counter);
      counter.detach();
      console.info(`round trips (${topology}):`, costs);
      expect(costs).toEqual(budget);
    } finally {
      await adapter.close();
      await client.quit();
    }
  });
});

describe('commands the server received (own server, MONITOR)', () => {
  let server: RedisServer;
  let dir: string;
  beforeAll(async () => {
    dir = makeTempDir('round-trips');
    server = await RedisServer.start({ dir, port: await freePort() });
  });
  afterAll(async () => {
    await server?.stop();
    removeDir(dir);
  });

  /**
   * The top-level commands the adapter's connection sent while `work` ran, by name. MONITOR
   * shows commands a script runs with the source "lua": those are left out.
   */
  async function sentBy(
    client: Redis,
    monitor: EventEmitter,
    work: () => Promise<unknown>,
    /** Receives every counted command with its arguments. */
    log: string[][] = [],
  ): Promise<Record<string, number>> {
    const address = /addr=(\S+)/.exec(String(await client.client('INFO')))?.[1];
    const marker = `end-${Math.random()}`;
    const counts: Record<string, number> = {};
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const onCommand = (_time: string, args: string[], source: string): void => {
      if (source !== address) return;
      if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) {
        done();
        return;
      }
      const name = (args[0] as string).toLowerCase();
      if (name === 'client') return;
      counts[name] = (counts[name] ?? 0) + 1;
      log.push([name, ...args.slice(1)]);
    };
    monitor.on('monitor', onCommand);
    try {
      await work();
      await client.echo(marker);
      await finished;
    } finally {
      monitor.off('monitor', onCommand);
    }
    return counts;
  }

  it('one command per call, and a second one (EVAL) only for a script the server lost', async () => {
    const admin = new Redis(server.port, HOST);
    const client = new Redis(server.port, HOST);
    const monitor = await admin.monitor();
    const adapter = createRedisAdapter({ client }, { keyPrefix: 'rt' });
    try {
      await adapter.setup();
      const cp = adapter.checkpoints;
      const sent = (work: () => Promise<unknown>) => sentBy(client, monitor, work);
      expect(await sent(() => cp.exists(key('a')))).toEqual({ hmget: 1 });
      expect(await sent(() => cp.insert(key('a'), TTL))).toEqual({ evalsha: 1 });
      expect(await sent(() => cp.tryInsert(key('b'), TTL))).toEqual({ evalsha: 1 });
      expect(await sent(() => cp.claim(key('c'), { leaseMs: 1000, owner: 'w' }))).toEqual({
        evalsha: 1,
      });
      expect(
        await sent(() =>
          cp.runOnce(key('d'), TTL, async (tx) => {
            tx.set(tx.key('charge'), 'charged');
          }),
        ),
      ).toEqual({ hmget: 1, evalsha: 1 });
      expect(await sent(() => cp.runOnce(key('d'), TTL, async () => {}))).toEqual({ hmget: 1 });
      // Idempotent results ride along: the same commands, first run and replay.
      const kept = { ...TTL, result: 'json' as const, fingerprint: 'request' };
      expect(await sent(() => cp.runOnce(key('r'), kept, async () => ({ id: 1 })))).toEqual({
        hmget: 1,
        evalsha: 1,
      });
      expect(await sent(() => cp.runOnce(key('r'), kept, async () => ({ id: 2 })))).toEqual({
        hmget: 1,
      });
      // A server that lost its scripts (restart, SCRIPT FLUSH): EVALSHA fails, EVAL reloads it.
      await admin.script('FLUSH');
      expect(await sent(() => cp.insert(key('e'), TTL))).toEqual({ evalsha: 1, eval: 1 });
      expect(await sent(() => cp.insert(key('f'), TTL))).toEqual({ evalsha: 1 });
    } finally {
      await adapter.close();
      await client.quit();
      monitor.disconnect();
      await admin.quit().catch(() => undefined);
    }
  });

  it('a node get on a cache hit is one HMGET of the root head: no shard list, no shard', async () => {
    const admin = new Redis(server.port, HOST);
    const client = new Redis(server.port, HOST);
    const monitor = await admin.monitor();
    const adapter = createRedisAdapter({ client }, { keyPrefix: 'rt-nodes' });
    try {
      await adapter.setup();
      const writer = adapter.nodes<string[]>({ shardBytes: 4096 }).for('pool');
      await writer.create(Array.from({ length: 5000 }, (_, i) => `entry-${i}`));
      const reader = adapter.nodes<string[]>({ shardBytes: 4096 }).new('pool');
      await reader.get();
      expect(reader.stats.shardReads).toBeGreaterThan(10);
      const log: string[][] = [];
      expect(await sentBy(client, monitor, () => reader.get(), log)).toEqual({ hmget: 1 });
      expect(log[0]?.slice(2)).toEqual(['generation', 'sha256']);
    } finally {
      await adapter.close();
      await client.quit();
      monitor.disconnect();
      await admin.quit().catch(() => undefined);
    }
  });
});
