/**
 * Operation checkpoints on Redis: `checkpoint` of 1 KiB + `latest` against the same client doing
 * the minimum on a list, RPUSH the 1 KiB value and LINDEX -1 the latest.
 */
import { createRedisAdapter } from '@checkpointkit/redis';
import { countedRedisContender } from '../counting/redis-sides.js';
import type { BenchProfile } from '../profile.js';
import type { Section } from '../report/results.js';
import type { BenchRedis } from '../services/redis-service.js';
import { compareRow } from './comparison-row.js';
import { CHECKPOINT_BYTES } from './operations-sqlite.js';

export async function operationsRedis(profile: BenchProfile, redis: BenchRedis): Promise<Section> {
  const { client } = redis;
  const adapter = createRedisAdapter({ client }, { keyPrefix: 'bench-operations' });
  await adapter.setup();
  const payload = new Uint8Array(CHECKPOINT_BYTES).fill(7);
  const rawPayload = Buffer.from(payload);
  const operation = adapter.operations.open('bench-op');
  let step = 0;
  const ours = await countedRedisContender(
    'checkpointkit checkpoint + latest',
    async () => {
      await operation.checkpoint(`step-${++step}`, payload);
      return operation.latest();
    },
    redis,
    profile,
  );
  const raw = await countedRedisContender(
    'raw: RPUSH 1 KiB; LINDEX -1',
    async () => {
      await client.rpush('raw:operation:bench-op', rawPayload);
      return client.lindexBuffer('raw:operation:bench-op', -1);
    },
    redis,
    profile,
  );
  const row = await compareRow(profile, {
    caseName: '`checkpoint` 1 KiB + `latest`',
    concurrency: 1,
    ours,
    baseline: raw,
  });
  await adapter.close();
  return {
    id: 'operations/redis',
    primitive: 'Operation checkpoints',
    backend: 'Redis',
    baselineNote:
      'the same ioredis client appending the 1 KiB value to a list (`RPUSH`) and reading the last element (`LINDEX -1`): no ids, labels, fencing or persisted counter. No target was set for Redis.',
    rows: [row],
  };
}
