/**
 * Run-once checkpoints on Redis against the same ioredis client doing the minimum: `EXISTS`,
 * `SET NX PX`, and for `runOnce` with one user write the smallest atomic equivalent, one EVALSHA
 * of "SET NX PX, and only if that set it, SET the user's key" — at 1 and 32 callers (32 async
 * loops on one connection, which ioredis pipelines alike for both sides).
 */
import type { CheckpointKey } from '@checkpointkit/core';
import { createRedisAdapter } from '@checkpointkit/redis';
import { countedRedisContender, type RedisCallCost } from '../counting/redis-sides.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { minimumRatio } from '../report/targets.js';
import { nextSequence } from '../sequence.js';
import type { BenchRedis } from '../services/redis-service.js';
import { compareRow } from './comparison-row.js';

const TTL_MS = 86_400_000;
const EXISTING_KEYS = 1_000;
/** The user's write: a 256-byte value (the same payload as the Powertools comparison). */
export const USER_PAYLOAD = 'x'.repeat(256);
/** The response kept for replays in the "+ 1 KiB result" rows: 1 KiB as JSON. */
export const RESULT_1KIB = { receipt: 'r'.repeat(1024 - '{"receipt":""}'.length) };
export const RESULT_1KIB_JSON = JSON.stringify(RESULT_1KIB);

/**
 * KEYS[1] the run-once mark, KEYS[2] the user's key; ARGV[1] mark value, ARGV[2] ttl ms,
 * ARGV[3] the user's value. Returns 1 if the mark was new (and the user's write applied), else 0.
 */
export const RAW_RUN_ONCE_LUA = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[3])
  return 1
end
return 0`;

const key = (resourceId: string): CheckpointKey => ({
  project: 'bench',
  resourceId,
  processId: 'billing/charge',
});

export async function runOnceRedis(profile: BenchProfile, redis: BenchRedis): Promise<Section> {
  const { client } = redis;
  const adapter = createRedisAdapter({ client }, { keyPrefix: 'bench-run-once' });
  await adapter.setup();
  const { checkpoints } = adapter;
  const rawSha = (await client.script('LOAD', RAW_RUN_ONCE_LUA)) as string;
  for (let i = 0; i < EXISTING_KEYS; i++) {
    await checkpoints.insert(key(`existing-${i}`), { ttlMs: TTL_MS });
    await client.set(`raw:existing-${i}`, String(Date.now()), 'PX', TTL_MS);
  }
  let probe = 0;
  const ops = {
    exists: {
      ours: () => checkpoints.exists(key(`existing-${probe++ % EXISTING_KEYS}`)),
      raw: () => client.exists(`raw:existing-${probe++ % EXISTING_KEYS}`),
      rawLabel: 'raw: EXISTS',
      caseName: '`exists` (hit)',
      target: 'EXISTS',
    },
    tryInsert: {
      ours: () => checkpoints.tryInsert(key(`order-${nextSequence()}`), { ttlMs: TTL_MS }),
      raw: () => client.set(`raw:order-${nextSequence()}`, String(Date.now()), 'PX', TTL_MS, 'NX'),
      rawLabel: 'raw: SET NX PX',
      caseName: '`tryInsert` (new key)',
      target: 'SET NX PX',
    },
    runOnce: {
      ours: () => {
        const resourceId = `order-${nextSequence()}`;
        return checkpoints.runOnce(key(resourceId), { ttlMs: TTL_MS }, async (tx) => {
          tx.set(tx.key('charge', resourceId), USER_PAYLOAD);
        });
      },
      raw: () => {
        const n = nextSequence();
        return client.evalsha(
          rawSha,
          2,
          `raw:order-${n}`,
          `raw:charge:order-${n}`,
          String(Date.now()),
          TTL_MS,
          USER_PAYLOAD,
        );
      },
      rawLabel: 'raw: EVALSHA (SET NX PX, then the user SET)',
      caseName: '`runOnce` + 1 user write',
      target: null,
    },
    runOnceResult: {
      ours: () => {
        const resourceId = `order-${nextSequence()}`;
        return checkpoints.runOnce(
          key(resourceId),
          { ttlMs: TTL_MS, result: 'json' },
          async (tx) => {
            tx.set(tx.key('charge', resourceId), USER_PAYLOAD);
            return RESULT_1KIB;
          },
        );
      },
      // The same script, the mark's value being the kept response.
      raw: () => {
        const n = nextSequence();
        return client.evalsha(
          rawSha,
          2,
          `raw:order-${n}`,
          `raw:charge:order-${n}`,
          RESULT_1KIB_JSON,
          TTL_MS,
          USER_PAYLOAD,
        );
      },
      rawLabel: 'raw: EVALSHA (SET NX PX of the 1 KiB response, then the user SET)',
      caseName: '`runOnce` + 1 user write + 1 KiB result',
      target: null,
    },
  } as const;

  const rows: ComparisonRow[] = [];
  for (const operation of ['exists', 'tryInsert', 'runOnce', 'runOnceResult'] as const) {
    const spec = ops[operation];
    const ours = await countedRedisContender(
      `checkpointkit ${operation}`,
      spec.ours,
      redis,
      profile,
    );
    const raw = await countedRedisContender(spec.rawLabel, spec.raw, redis, profile);
    for (const concurrency of [1, 32]) {
      const versus = spec.target;
      rows.push(
        await compareRow(profile, {
          caseName: spec.caseName,
          concurrency,
          ours,
          baseline: raw,
          ...(versus !== null && concurrency === 32
            ? {
                target: (ratio) =>
                  minimumRatio(0.8, `raw \`${versus}\``, ratio, () =>
                    redisWhy(operation, ours.cost, raw.cost),
                  ),
              }
            : {}),
        }),
      );
    }
  }
  await adapter.close();
  return {
    id: 'run-once/redis',
    primitive: 'Run-once checkpoints',
    backend: 'Redis',
    baselineNote:
      "the same ioredis client on the same redis-server (7.0, no persistence) sending the minimal command: `EXISTS`, `SET NX PX`, and for `runOnce` one EVALSHA that sets the mark with NX and, only if it was new, the user's key — the same all-or-nothing guarantee in one round trip.",
    rows,
  };
}

function redisWhy(operation: string, ours: RedisCallCost, raw: RedisCallCost): string {
  const work =
    operation === 'exists'
      ? 'an `HMGET` of the record and its extras (result, fingerprint), decoded to check its expiry on the adapter clock (Redis TTL is only garbage collection), after core has validated and normalized the key and encoded it into the hash-tagged key name'
      : 'an EVALSHA of `checkpoint-insert` (EXISTS of its journal entry, HGET, compare expiry, HSET the record, ZADD the uniquifier index, PEXPIRE both) with a record value carrying creation, expiry and a resend nonce, after core has validated the key and the ttl';
  const total = (c: RedisCallCost): number => c.clientCpuUs + c.serverCpuUs;
  return `both sides send ${ours.roundTrips} round trip per call, but ours is ${work}. CPU per call, measured: client ${ours.clientCpuUs.toFixed(0)} µs against ${raw.clientCpuUs.toFixed(0)} µs, server ${ours.serverCpuUs.toFixed(0)} µs against ${raw.serverCpuUs.toFixed(0)} µs. With 32 callers on loopback nothing waits on the network: the bench process and redis-server share this machine's 2 cores, so throughput follows CPU per call, and ${total(raw).toFixed(0)} ÷ ${total(ours).toFixed(0)} µs predicts ${(total(raw) / total(ours)).toFixed(2)}×.`;
}
