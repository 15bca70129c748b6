/**
 * Node state in memory.
 *   "nodeRoots"   id → NodeRoot
 *   "nodeShards"  encodeKey(id, sha256) → { bytes, stampMs }
 */
import { compareUtf8 } from '../bytes.js';
import { decodeKey, encodeKey, encodeKeyPart } from '../key-encoding.js';
import type { NodeBackend, NodeRoot } from '../nodes/backend.js';
import type { MemoryRows, MemoryStore, MemoryTx } from './memory-store.js';

const ROOTS = 'nodeRoots';
const SHARDS = 'nodeShards';

/** Large enough for any shard size a caller configures; memory has no cell limit. */
export const MEMORY_MAX_SHARD_BYTES = 64 * 1024 * 1024;

interface ShardRow {
  readonly bytes: Uint8Array;
  readonly stampMs: number;
}

function shardsOf(rows: MemoryRows, id: string): [string, ShardRow][] {
  const prefix = `${encodeKeyPart(id)}:`;
  return rows.entries<ShardRow>(SHARDS).filter(([key]) => key.startsWith(prefix));
}

export function memoryNodes(
  store: MemoryStore,
  transaction: <T>(work: (tx: MemoryTx) => Promise<T>) => Promise<T>,
): NodeBackend<MemoryTx> {
  return {
    maxShardBytes: MEMORY_MAX_SHARD_BYTES,
    readRoot: (id) => store.read((rows) => rows.get<NodeRoot>(ROOTS, id) ?? null),
    readRootHead: (id) =>
      store.read((rows) => {
        const root = rows.get<NodeRoot>(ROOTS, id);
        return root ? { generation: root.generation, sha256: root.sha256 } : null;
      }),
    readShards: (id, hashes) =>
      store.read((rows) => {
        const found = new Map<string, Uint8Array>();
        for (const hash of hashes) {
          const shard = rows.get<ShardRow>(SHARDS, encodeKey([id, hash]));
          if (shard) found.set(hash, new Uint8Array(shard.bytes));
        }
        return found;
      }),
    writeShards: (id, shards, nowMs) =>
      store.transaction((rows) => {
        for (const s of shards)
          rows.put(SHARDS, encodeKey([id, s.hash]), {
            bytes: new Uint8Array(s.bytes),
            stampMs: nowMs,
          });
      }),
    commitRoot(id, expectedGeneration, root, retired, nowMs, onCommit) {
      return transaction(async (tx) => {
        const current = tx.rows.get<NodeRoot>(ROOTS, id);
        if ((current?.generation ?? null) !== expectedGeneration) {
          return { committed: false as const, actual: current?.generation ?? null };
        }
        tx.rows.put(ROOTS, id, root);
        for (const hash of retired) {
          const key = encodeKey([id, hash]);
          const shard = tx.rows.get<ShardRow>(SHARDS, key);
          if (shard) tx.rows.put(SHARDS, key, { ...shard, stampMs: nowMs });
        }
        await onCommit?.(tx);
        return { committed: true as const };
      });
    },
    deleteNode: (id) =>
      store.transaction((rows) => {
        rows.remove(ROOTS, id);
        for (const [key] of shardsOf(rows, id)) rows.remove(SHARDS, key);
      }),
    listIds: () =>
      store.read((rows) =>
        rows
          .entries(ROOTS)
          .map(([id]) => id)
          .sort(compareUtf8),
      ),
    cleanShards: (id, stampBeforeMs) =>
      store.transaction((rows) => {
        const referenced = new Set(rows.get<NodeRoot>(ROOTS, id)?.shards ?? []);
        let deleted = 0;
        for (const [key, shard] of shardsOf(rows, id)) {
          if (referenced.has(decodeKey(key)[1] as string) || shard.stampMs >= stampBeforeMs)
            continue;
          rows.remove(SHARDS, key);
          deleted++;
        }
        return deleted;
      }),
  };
}
