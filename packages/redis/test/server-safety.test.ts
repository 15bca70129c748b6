/**
 * A server that may drop acknowledged records is refused at setup(); a full server refuses
 * writes with a typed error and nothing half-written; a dropped connection inside a MULTI (the
 * node shards) is a connection loss, not an untyped BackendError. On a server of its own, whose
 * memory settings the tests change.
 */
import {
  BackendError,
  NotFoundError,
  StoreFullError,
  UnsafeConfigurationError,
} from '@checkpointkit/core';
import {
  type FaultProxy,
  freePort,
  HOST,
  makeTempDir,
  RedisServer,
  removeDir,
} from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter } from '../src/index.js';
import { uniquePrefix } from './support/clients.js';
import { lossyClient } from './support/lossy-connections.js';

let dir: string;
let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  dir = makeTempDir('safety');
  server = await RedisServer.start({ dir, port: await freePort() });
  admin = new Redis(server.port, HOST);
});

afterAll(async () => {
  admin.disconnect();
  await server?.stop();
  removeDir(dir);
});

const adapters: RedisAdapter[] = [];
function adapter(options: { allowEvictingServer?: boolean } = {}): RedisAdapter {
  const a = createRedisAdapter(
    { url: `redis://${HOST}:${server.port}` },
    { keyPrefix: uniquePrefix('safety'), ...options },
  );
  adapters.push(a);
  return a;
}
afterAll(async () => {
  for (const a of adapters) await a.close();
});

describe('eviction: setup() refuses a server that may drop acknowledged records', () => {
  it.each(['allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'volatile-ttl', 'allkeys-random'])(
    'maxmemory-policy %s is refused with UnsafeConfigurationError that says how to fix it',
    async (policy) => {
      await admin.config('SET', 'maxmemory', '512mb');
      await admin.config('SET', 'maxmemory-policy', policy);
      const error = await adapter()
        .setup()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsafeConfigurationError);
      expect((error as UnsafeConfigurationError).setting).toBe('maxmemory-policy');
      expect((error as Error).message).toContain(policy);
      expect((error as Error).message).toContain('noeviction');
      expect((error as Error).message).toContain('allowEvictingServer');
    },
  );

  it('noeviction is accepted', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await expect(adapter().setup()).resolves.toBeUndefined();
  });

  it('allowEvictingServer: true accepts the risk with a process warning instead', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const warnings: Error[] = [];
    const listener = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', listener);
    try {
      await adapter({ allowEvictingServer: true }).setup();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain(
      'CHECKPOINTKIT_EVICTING_REDIS',
    );
  });
});

describe('a full server (noeviction): typed refusals, nothing half-written', () => {
  const filler = 'safety-filler';
  beforeAll(async () => {
    await admin.config('SET', 'maxmemory', '0');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
  });

  const FILLER_KEYS = 512;
  /**
   * Puts the server over its maxmemory: every write command is refused with OOM from here. The
   * filler is 512 values of 16 KiB, not one of 8 MiB: a big argument sits in the client's query
   * buffer until the server frees it later, and a limit measured with it would be 8 MiB too high
   * once it is freed (writes then succeed: seen on a busy machine).
   */
  async function fill(): Promise<void> {
    const pipeline = admin.pipeline();
    for (let i = 0; i < FILLER_KEYS; i++)
      pipeline.set(`${filler}:${i}`, Buffer.alloc(16 * 1024, 1));
    await pipeline.exec();
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(used - 4 * 1024 * 1024));
    await expect(admin.set(`${filler}:probe`, 'x'), 'the server is full').rejects.toThrow(/OOM/);
  }
  async function drain(): Promise<void> {
    await admin.config('SET', 'maxmemory', '0');
    await admin.del(...Array.from({ length: FILLER_KEYS }, (_, i) => `${filler}:${i}`));
  }

  it('every write primitive fails with StoreFullError (retryable) and leaves nothing behind', async () => {
    const a = adapter();
    await a.setup();
    const group = await a.groups.start('g', { pollIntervalMs: 60_000 });
    await group.ensure(['p']);
    await a.nodes<{ n: number }>().for('existing').create({ n: 1 });
    await fill();
    try {
      const key = { project: 'shop', resourceId: 'r', processId: 'step' };
      const attempts: [string, () => Promise<unknown>][] = [
        ['tryInsert', () => a.checkpoints.tryInsert(key, { ttlMs: 60_000 })],
        ['runOnce', () => a.checkpoints.runOnce(key, { ttlMs: 60_000 }, async () => 1)],
        ['checkpoint', () => a.operations.open('op').checkpoint('l', new Uint8Array(1024))],
        ['advance', () => group.advance('p', { nanos: 5n, logical: 0 })],
        ['kv set', () => a.sessions.kv('ns').set('k', new Uint8Array([1]))],
        // A new node writes its shards in a MULTI: EXEC used to say only EXECABORT.
        ['create', () => a.nodes<{ n: number }>().for('new').create({ n: 1 })],
        [
          'run',
          () =>
            a
              .nodes<{ n: number }>()
              .for('existing')
              .run((s) => ({ n: s.n + 1 })),
        ],
      ];
      for (const [what, attempt] of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, what).toBeInstanceOf(StoreFullError);
        expect((error as StoreFullError).retryable, what).toBe(true);
        expect((error as Error).message, what).toContain('out of memory');
      }
      expect(await a.checkpoints.exists(key)).toBe(false);
      expect(await a.operations.open('op').list()).toEqual([]);
      expect(await a.sessions.kv('ns').get('k')).toBeNull();
      await expect(a.nodes<{ n: number }>().new('new').get()).rejects.toBeInstanceOf(NotFoundError);
      expect(await a.nodes<{ n: number }>().new('existing').get()).toEqual({ n: 1 });
    } finally {
      await drain();
      await group.stop();
    }
    // Space freed: the same calls succeed.
    expect(
      await a.checkpoints.tryInsert(
        { project: 'shop', resourceId: 'r', processId: 'step' },
        { ttlMs: 60_000 },
      ),
    ).toBe(true);
  });
});

describe('a connection dropped inside the shards MULTI (shared server, through a fault proxy)', () => {
  it('is a retryable connection loss (AbortError translated), and the run is not applied', async () => {
    const lossy = await lossyClient('reject');
    try {
      const a = createRedisAdapter({ client: lossy.client }, { keyPrefix: uniquePrefix('multi') });
      adapters.push(a);
      await a.nodes<{ n: number }>().for('n').create({ n: 1 });
      // The next request that carries MULTI: the shard batch of the next run.
      const fault = (lossy.proxies[0] as FaultProxy).arm({
        kind: 'lose-reply',
        matches: (request) => /\bmulti\b/i.test(request.toString('latin1')),
      });
      const error = await a
        .nodes<{ n: number }>()
        .for('n')
        .run((s) => ({ n: s.n + 1 }))
        .catch((e: unknown) => e);
      expect(fault.fired(), 'the shard batch lost its reply').toBe(true);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).retryable).toBe(true);
      expect((error as Error).message).toContain('unreachable');
      expect(await a.nodes<{ n: number }>().new('n').get()).toEqual({ n: 1 });
      // The shards it wrote are content-addressed: trying again is harmless, and applies once.
      await a
        .nodes<{ n: number }>()
        .for('n')
        .run((s) => ({ n: s.n + 1 }));
      expect(await a.nodes<{ n: number }>().new('n').get()).toEqual({ n: 2 });
    } finally {
      await lossy.close();
    }
  });
});
