/**
 * Adapters whose connections (to the standalone server, or to every Cluster master, mapped with
 * ioredis' natMap) run through FaultProxies, so that a test
 * (or the conformance suite's fault capability) can lose the reply of a write after Redis
 * applied it. Two client modes, the two ways ioredis handles a command left unanswered by a
 * dropped connection: `resend` (its default: resend after reconnecting) and `reject`
 * (`maxRetriesPerRequest: 0`: fail the command; the adapter then settles it).
 */
import type { ArmedFault, ConformanceTarget } from '@checkpointkit/core/conformance';
import { FaultProxy, HOST, type ProxyFaultKind } from '@checkpointkit/test-services';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { createRedisAdapter, type RedisAdapter, type RedisTx } from '../../src/index.js';
import { allScripts } from '../../src/lua/index.js';
import { connectionOf, deletePrefix, readProbe, type Topology, uniquePrefix } from './clients.js';
import { twinProcess } from './conformance-target.js';

export type ClientMode = 'resend' | 'reject';

/** The SHA1s a committing write is sent under (EVALSHA <sha>): the journaled and keyed scripts. */
const WRITE_SHAS = allScripts.filter((s) => s.write !== undefined).map((s) => Buffer.from(s.sha));

export function isCommittingWrite(request: Buffer): boolean {
  return WRITE_SHAS.some((sha) => request.includes(sha));
}

export interface LossyClient {
  readonly client: Redis | Cluster;
  /** One per server the client talks to. */
  readonly proxies: readonly FaultProxy[];
  /** Faults fired so far, on every proxy. */
  firedCount(): number;
  close(): Promise<void>;
}

export async function lossyClient(
  mode: ClientMode,
  topology: Topology = 'standalone',
): Promise<LossyClient> {
  const servers = inject('redis');
  const upstreams = topology === 'standalone' ? [servers.standalone] : [...servers.cluster];
  const proxies = await Promise.all(upstreams.map((u) => FaultProxy.start(u)));
  const redisOptions = {
    // Reconnect at once: the proxy holds a reconnection for as long as a test needs.
    retryStrategy: (times: number) => Math.min(times * 10, 100),
    ...(mode === 'reject' ? { maxRetriesPerRequest: 0 } : {}),
  };
  const client =
    topology === 'standalone'
      ? new Redis(proxies[0]?.port as number, HOST, redisOptions)
      : new Cluster(
          proxies.map((p) => ({ host: HOST, port: p.port })),
          {
            redisOptions,
            // The slot map names the real servers: route each one through its proxy.
            natMap: Object.fromEntries(
              upstreams.map((u, i) => [
                `${u.host}:${u.port}`,
                { host: HOST, port: proxies[i]?.port as number },
              ]),
            ),
            clusterRetryStrategy: (times: number) => Math.min(times * 10, 100),
          },
        );
  client.on('error', () => {});
  return {
    client,
    proxies,
    firedCount: () => proxies.reduce((sum, p) => sum + p.firedCount, 0),
    async close() {
      client.disconnect();
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
}

/**
 * Loses the reply of the next committing write the client sends, on whichever server it goes to
 * (`kind` for other faults); `between` runs before the client can reconnect.
 */
export function loseNextWriteReply(
  lossy: LossyClient,
  options: { between?: () => Promise<void>; kind?: ProxyFaultKind } = {},
): ArmedFault {
  let claimed = false;
  const armed = lossy.proxies.map((proxy) =>
    proxy.arm({
      kind: options.kind ?? 'lose-reply',
      // Armed on every proxy, fired on the first that sees the write.
      matches: (request) => {
        if (claimed || !isCommittingWrite(request)) return false;
        claimed = true;
        return true;
      },
      between: options.between,
    }),
  );
  return { fired: () => armed.some((a) => a.fired()) };
}

/** The conformance target: every created adapter talks through its own proxy. */
export function lossyTarget(
  mode: ClientMode,
  topology: Topology = 'standalone',
): ConformanceTarget<RedisTx, RedisAdapter> {
  const connections = new WeakMap<RedisAdapter, LossyClient>();
  return {
    name: `redis ${topology} through fault proxies, client mode ${mode}`,
    async create({ clock }) {
      const lossy = await lossyClient(mode, topology);
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
      createRedisAdapter(connectionOf(topology), { clock, keyPrefix: adapter.keyPrefix }),
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
    // Another process: straight to the server, as reopen.
    twinProcess: twinProcess(topology),
    faults: {
      async loseNextReply(adapter: RedisAdapter, options = {}) {
        const lossy = connections.get(adapter);
        if (!lossy) throw new Error('loseNextReply: not an adapter of this target');
        return loseNextWriteReply(lossy, options);
      },
    },
  };
}
