/**
 * The conformance target for one topology: create = a fresh adapter on its own client and key
 * prefix (set up); reopen = a second adapter with the same prefix on a NEW connection it opens
 * itself (another process); destroy = delete the prefix's keys on every master, then quit.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConformanceTarget } from '@checkpointkit/core/conformance';
import type { Cluster, Redis } from 'ioredis';
import { createRedisAdapter, type RedisAdapter, type RedisTx } from '../../src/index.js';
import {
  connectionOf,
  deletePrefix,
  newClient,
  readProbe,
  type Topology,
  uniquePrefix,
} from './clients.js';

export function conformanceTarget(topology: Topology): ConformanceTarget<RedisTx, RedisAdapter> {
  const clients = new WeakMap<RedisAdapter, Redis | Cluster>();
  return {
    name: `redis ${topology}`,
    async create({ clock }) {
      const client = newClient(topology);
      const adapter = createRedisAdapter({ client }, { clock, keyPrefix: uniquePrefix(topology) });
      clients.set(adapter, client);
      await adapter.setup();
      return adapter;
    },
    async reopen(adapter, { clock }) {
      return createRedisAdapter(connectionOf(topology), { clock, keyPrefix: adapter.keyPrefix });
    },
    async destroy(adapter) {
      const client = clients.get(adapter);
      if (!client) return;
      // The adapter is closed by now, and it never closes a client it was given.
      await deletePrefix(client, adapter.keyPrefix);
      await client.quit();
    },
    probe: {
      writeInTx: (tx, key, value) => tx.set(tx.key('probe', key), value),
      read: (adapter, key) => readProbe(adapter as RedisAdapter, key),
      // No endTransaction: a RedisTx is a list of commands that one script applies after the
      // callback returns; it has no commit or rollback a callback could call (and Redis refuses
      // MULTI/EXEC inside a script), so general/transaction/ended-by-callback-refused cannot
      // happen here and is listed as not tested.
    },
    twinProcess: twinProcess(topology),
  };
}

/** The twin of an adapter: the built package in a child process, on the same key prefix. */
export function twinProcess(
  topology: Topology,
): NonNullable<ConformanceTarget<RedisTx, RedisAdapter>['twinProcess']> {
  return {
    async start(adapter, { nowMs }) {
      return fork(
        fileURLToPath(new URL('../workers/twin.mjs', import.meta.url)),
        [
          JSON.stringify({
            connection: connectionOf(topology),
            keyPrefix: adapter.keyPrefix,
            nowMs,
          }),
        ],
        { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      );
    },
  };
}
