/**
 * --backend redis: checkpointkit's keys under the prefix `ckdemo`, and each order's effect in a
 * key colocated with the order's run-once checkpoint (`tx.key('effect')`), so that the effect and
 * the checkpoint are written by one script — on a Cluster too, where a unit lives in one slot.
 */
import { createRedisAdapter, type RedisTx } from '@checkpointkit/redis';
import { Redis } from 'ioredis';
import { type OrderEvent, type ShopTotal, totalsByShop } from '../stream.js';
import { type DemoBackend, ORDER_PROJECT } from './backend.js';
import { localService } from './local-service.js';
import { type BackendOptions, BackendUnavailableError } from './open.js';

const KEY_PREFIX = 'ckdemo';
/** GETs per pipeline when the totals are read back. */
const READ_BATCH = 1000;

export async function openRedisBackend(options: BackendOptions): Promise<DemoBackend<RedisTx>> {
  // Without --redis-url the demo runs its own server: never whatever listens on 6379.
  const service =
    options.redisUrl === undefined
      ? await localService('redis', options.dataDir, options.log)
      : null;
  const url = options.redisUrl ?? `redis://${service?.address}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // A server that is not there is reported once, by connect() below, not as an error event.
  const quiet = (): void => {};
  client.on('error', quiet);
  try {
    await client.connect();
    client.off('error', quiet);
    if (options.reset) await deletePrefix(client, KEY_PREFIX);
  } catch (error) {
    client.disconnect();
    await service?.stop();
    throw new BackendUnavailableError(
      `cannot reach Redis at ${url} (${(error as Error).message}); start a server there, or leave out --redis-url and the demo starts its own`,
    );
  }
  const adapter = createRedisAdapter({ client }, { keyPrefix: KEY_PREFIX });
  await adapter.setup();
  const effectKey = (orderId: string): string =>
    adapter.colocatedKey({ checkpoint: { project: ORDER_PROJECT, resourceId: orderId } }, 'effect');
  return {
    name: 'redis',
    adapter,
    recordEffect(tx, event) {
      tx.set(
        tx.key('effect'),
        JSON.stringify({ shop: event.shop, amountCents: event.amountCents }),
      );
    },
    async effectTotals(orders): Promise<Map<string, ShopTotal>> {
      const applied: OrderEvent[] = [];
      for (let i = 0; i < orders.length; i += READ_BATCH) {
        const batch = orders.slice(i, i + READ_BATCH);
        const pipeline = client.pipeline();
        for (const order of batch) pipeline.get(effectKey(order.id));
        const replies = (await pipeline.exec()) ?? [];
        replies.forEach(([error, value], j) => {
          if (error) throw error;
          if (typeof value !== 'string') return;
          const effect = JSON.parse(value) as { shop: string; amountCents: number };
          applied.push({ ...(batch[j] as OrderEvent), ...effect });
        });
      }
      return totalsByShop(applied);
    },
    close: async () => {
      await adapter.close();
      await client.quit();
      await service?.stop();
    },
  };
}

/** --reset: every key of the demo's prefix (SCAN, then UNLINK). */
async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
