/**
 * A Redis contender, with what one call costs: round trips and commands, counted on the shared
 * client, and CPU — the client's (this process) and the server's (redis-server's main thread,
 * from INFO cpu) — in a short sequential pass before the timed rounds.
 */
import type { Contender } from '../measure/contender.js';
import type { BenchRedis } from '../services/redis-service.js';
import { requestsPerOp } from './requests-per-op.js';

export interface RedisCallCost {
  readonly roundTrips: number;
  readonly commands: number;
  readonly clientCpuUs: number;
  readonly serverCpuUs: number;
}

const MIN_CPU_CALLS = 5;

async function serverCpuUs(redis: BenchRedis): Promise<number> {
  const info = await redis.client.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1]);
  return (field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread')) * 1e6;
}

export async function measureRedisCallCost(
  op: () => Promise<unknown>,
  redis: BenchRedis,
  countingOperations: number,
  cpuSampleMs: number,
): Promise<RedisCallCost> {
  const before = redis.requests.read();
  const roundTrips = await requestsPerOp(
    op,
    () => redis.requests.read().roundTrips,
    countingOperations,
  );
  const commands = (redis.requests.read().commands - before.commands) / countingOperations;
  const serverBefore = await serverCpuUs(redis);
  const clientBefore = process.cpuUsage();
  // At least a few calls, then until the sample is long enough for the CPU clocks' resolution.
  const startedMs = performance.now();
  let calls = 0;
  while (calls < MIN_CPU_CALLS || performance.now() - startedMs < cpuSampleMs) {
    await op();
    calls++;
  }
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await serverCpuUs(redis);
  return {
    roundTrips,
    commands,
    clientCpuUs: (client.user + client.system) / calls,
    serverCpuUs: (serverAfter - serverBefore) / calls,
  };
}

function formatPerOp(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export async function countedRedisContender(
  label: string,
  op: () => Promise<unknown>,
  redis: BenchRedis,
  counts: { readonly countingOperations: number; readonly cpuSampleMs: number },
  details: readonly string[] = [],
): Promise<Contender & { readonly cost: RedisCallCost }> {
  const cost = await measureRedisCallCost(op, redis, counts.countingOperations, counts.cpuSampleMs);
  const pipelined =
    cost.commands > cost.roundTrips + 1e-9
      ? [`${formatPerOp(cost.commands)} commands/op (pipelined)`]
      : [];
  return {
    label,
    op,
    requestsPerOp: cost.roundTrips,
    cost,
    details: [
      ...pipelined,
      `CPU/op: client ${cost.clientCpuUs.toFixed(0)} µs, server ${cost.serverCpuUs.toFixed(0)} µs`,
      ...details,
    ],
  };
}
