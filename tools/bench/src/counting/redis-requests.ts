/**
 * Counts what an ioredis client sends: commands, and round trips — a command sent on its own is
 * one, a pipeline or MULTI (ioredis hands each of its commands to sendCommand with the same
 * pipeline stream) is one for all of its commands. The wrapper sits on one client instance, so
 * ours, the raw baseline and Powertools pay it alike; a client's `duplicate()` (the adapter's
 * pub/sub connection) is not counted.
 */
import type { Redis } from 'ioredis';

export interface RedisRequests {
  readonly commands: number;
  readonly roundTrips: number;
}

export interface RedisRequestCounter {
  read(): RedisRequests;
}

export function countRedisRequests(client: Redis): RedisRequestCounter {
  const counts = { commands: 0, roundTrips: 0 };
  const pipelines = new WeakSet<object>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    counts.commands++;
    if (stream === undefined) counts.roundTrips++;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      counts.roundTrips++;
    }
    return send(command, stream);
  };
  return { read: () => ({ ...counts }) };
}
