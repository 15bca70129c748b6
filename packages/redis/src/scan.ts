/**
 * Listings across the whole keyspace (operation names, node ids, unresolved groups, checkpoint
 * maintenance): SCAN with a MATCH pattern on every master. Entities live under their own hash
 * tags, so no single key could index them all atomically; these calls cost O(keys in Redis) and
 * are meant for maintenance and listing, not for hot paths.
 */
import { dataNodes, type RedisClient } from './connection.js';
import { redisCall } from './errors.js';
import { SCAN_COUNT } from './options.js';

export function scanKeys(client: RedisClient, pattern: string, what: string): Promise<string[]> {
  return redisCall(what, async () => {
    const found = new Set<string>();
    for (const node of await dataNodes(client)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        for (const key of keys) found.add(key);
        cursor = next;
      } while (cursor !== '0');
    }
    return [...found];
  });
}

/** UNLINKs keys one by one (they may lie in different slots), a bounded number at a time. */
export function unlinkKeys(
  client: RedisClient,
  keys: readonly string[],
  what: string,
): Promise<void> {
  return redisCall(what, async () => {
    for (let i = 0; i < keys.length; i += 256) {
      await Promise.all(keys.slice(i, i + 256).map((key) => client.unlink(key)));
    }
  });
}
