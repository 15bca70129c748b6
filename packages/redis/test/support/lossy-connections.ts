/**
 * Adapters whose connection to the standalone server runs through a FaultProxy, so that a test
 * (or the conformance suite's fault capability) can lose the reply of a write after Redis
 * applied it. Two client modes, the two ways ioredis handles a command left unanswered by a
 * dropped connection: `resend` (its default: resend after reconnecting) and `reject`
 * (`maxRetriesPerRequest: 0`: fail the command; the adapter then settles it).
 */
import type { ArmedFault, ConformanceTarget } from '@checkpointkit/core/conformance';
import { FaultProxy, HOST, type ProxyFaultKind } from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createRedisAdapter, type RedisAdapter, type RedisTx } from '../../src/index.js';
import { allScripts } from '../../src/lua/index.js';
import { connectionOf, deletePrefix, readProbe, uniquePrefix } from './clients.js';

export type ClientMode = 'resend' | 'reject';

/** The SHA1s a committing write is sent under (EVALSHA <sha>): the journaled and keyed scripts. */
const WRITE_SHAS = allScripts.filter((s) => s.write !== undefined).map((s) => Buffer.from(s.sha));

export function isCommittingWrite(request: Buffer): boolean {
  return WRITE_SHAS.some((sha) => request.includes(sha));
}

export interface LossyClient {
  readonly client: Redis;
  readonly proxy: FaultProxy;
  close(): Promise<void>;
}

export async function lossyClient(mode: ClientMode): Promise<LossyClient> {
  const { standalone } = inject('redis');
  const proxy = await FaultProxy.start(standalone);
  const client = new Redis(proxy.port, HOST, {
    // Reconnect at once: the proxy holds a reconnection for as long as a test needs.
    retryStrategy: (times) => Math.min(times * 10, 100),
    ...(mode === 'reject' ? { maxRetriesPerRequest: 0 } : {}),
  });
  client.on('error', () => {});
  return {
    client,
    proxy,
    async close() {
      client.disconnect();
      await proxy.stop();
    },
  };
}

/**
 * Loses the reply of the next committing write sent through `proxy` (`kind` for other faults);
 * `between` runs before the client can reconnect.
 */
export function loseNextWriteReply(
  proxy: FaultProxy,
  options: { between?: () => Promise<void>; kind?: ProxyFaultKind } = {},
): ArmedFault {
  return proxy.arm({
    kind: options.kind ?? 'lose-reply',
    matches: isCommittingWrite,
    between: options.between,
  });
}

/** The conformance target: every created adapter talks through its own proxy. */
export function lossyTarget(mode: ClientMode): ConformanceTarget<RedisTx, RedisAdapter> {
  const connections = new WeakMap<RedisAdapter, LossyClient>();
  return {
    name: `redis standalone through a fault proxy, client mode ${mode}`,
    async create({ clock }) {
      const lossy = await lossyClient(mode);
      const adapter = createRedisAdapter(
        { client: lossy.client },
        { clock, keyPrefix: uniquePrefix(`lossy-${mode}`) },
      );
      connections.set(adapter, lossy);
      await adapter.setup();
      return adapter;
    },
    // Another process: straight to the server, never through the proxy.
    reopen: async (adapter, { clock }) =>
      createRedisAdapter(connectionOf('standalone'), { clock, keyPrefix: adapter.keyPrefix }),
    async destroy(adapter) {
      const lossy = connections.get(adapter);
      if (!lossy) return;
      await deletePrefix(lossy.client, adapter.keyPrefix);
      await lossy.close();
    },
    probe: {
      writeInTx: (tx, key, value) => tx.set(tx.key('probe', key), value),
      read: (adapter, key) => readProbe(adapter as RedisAdapter, key),
    },
    faults: {
      async loseNextReply(adapter: RedisAdapter, options = {}) {
        const lossy = connections.get(adapter);
        if (!lossy) throw new Error('loseNextReply: not an adapter of this target');
        return loseNextWriteReply(lossy.proxy, options);
      },
    },
  };
}
