/**
 * The bench's own redis-server (test-services: a free loopback port, a temp dir, no persistence)
 * and the one ioredis client that ours, the raw baseline and Powertools share, with its
 * requests counted.
 */
import { freePort, HOST, makeTempDir, RedisServer, removeDir } from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { countRedisRequests, type RedisRequestCounter } from '../counting/redis-requests.js';

export interface BenchRedis {
  readonly port: number;
  readonly client: Redis;
  readonly requests: RedisRequestCounter;
  /** Another client on the same server (node-state children open their own). */
  connect(): Redis;
  stop(): Promise<void>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = makeTempDir('bench-redis');
  const server = await RedisServer.start({ dir, port: await freePort() });
  const connect = (): Redis => new Redis({ host: HOST, port: server.port });
  const client = connect();
  await client.ping();
  return {
    port: server.port,
    client,
    requests: countRedisRequests(client),
    connect,
    stop: async () => {
      client.disconnect();
      await server.stop();
      removeDir(dir);
    },
  };
}
