/** ioredis clients on the shared test servers, and the test-only key maintenance around them. */
import { encodeKeyPart } from '@checkpointkit/core';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisAdapter } from '../../src/index.js';

export type Topology = 'standalone' | 'cluster';

export function newClient(topology: Topology): Redis | Cluster {
  const servers = inject('redis');
  const client =
    topology === 'standalone'
      ? new Redis(servers.standalone.port, servers.standalone.host)
      : new Cluster([...servers.cluster]);
  client.on('error', () => {});
  return client;
}

/** The connection options an adapter opens (and later closes) itself. */
export function connectionOf(
  topology: Topology,
): { url: string } | { cluster: { host: string; port: number }[] } {
  const servers = inject('redis');
  return topology === 'standalone'
    ? { url: `redis://${servers.standalone.host}:${servers.standalone.port}` }
    : { cluster: [...servers.cluster] };
}

export async function masters(client: Redis | Cluster): Promise<Redis[]> {
  if (!client.isCluster) return [client as Redis];
  if (client.status !== 'ready') await client.ping();
  return (client as Cluster).nodes('master');
}

/** Every key matching `pattern`, on every master (SCAN). */
export async function keysMatching(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of await masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key of `prefix`, on every master (each node's own keys, so no cross-slot). */
export async function deletePrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  for (const node of await masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await Promise.all(keys.map((k) => node.unlink(k)));
      cursor = next;
    } while (cursor !== '0');
  }
}

const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, (ch) => `\\${ch}`);

/**
 * What a probe wrote with tx.key('probe', key), wherever the transaction was anchored: the
 * probe does not know the anchor (a real application does: see adapter.colocatedKey), so it
 * looks for the key under every hash tag of the prefix.
 */
export async function readProbe(adapter: RedisAdapter, key: string): Promise<string | null> {
  const pattern = `${adapter.keyPrefix}:{*}:user:probe:${globEscape(encodeKeyPart(key))}`;
  const keys = await keysMatching(adapter.client, pattern);
  if (keys.length > 1) throw new Error(`probe ${key} was written under ${keys.length} anchors`);
  return keys.length === 0 ? null : adapter.client.get(keys[0] as string);
}

let prefixes = 0;
/** A key prefix no other test (in any worker) uses. */
export function uniquePrefix(label: string): string {
  prefixes += 1;
  return `t.${label}.${process.pid}.${Date.now().toString(36)}.${prefixes}`;
}
