/**
 * Sharded node state on Datastore. A node is one entity group: the `NodeRoot` entity holds the
 * head (generation, byte length, sha256), a `NodeShardList` child per generation holds its shard
 * hashes, and the shards are `NodeShard` children keyed by content hash, each with a small
 * `NodeShardStamp` sibling (see ./kinds.ts). The head and the list are apart so that a cache
 * check (`readRootHead`) reads a few bytes however many shards the state spans, and stamps are
 * apart from shards so that re-stamping a retired shard never rewrites its payload.
 *
 * Shards (≤ 1,000,000 bytes each, under the 1,048,572-byte entity limit with their key) are
 * written before the root, in commits within the production limits (≤ 500 mutations, ≤ 4 MiB).
 * The root's generation check, the new head and list, the retired shards' stamps and the user's
 * Operator.commit are one transaction, written last: a reader sees a whole generation or the
 * previous one. Shards of a losing writer are left to `clean`, which deletes unreferenced shards
 * with an old stamp, re-checking both inside a transaction that reads the current root.
 */
import {
  CorruptStateError,
  compareUtf8,
  type NodeBackend,
  type NodeRoot,
  PayloadTooLargeError,
} from '@checkpointkit/core';
import type { Key } from '@google-cloud/datastore';
import {
  bytesOf,
  type DatastoreConnection,
  type DatastoreTx,
  type EntityWrite,
  keyId,
  newWriteId,
  type StoredEntity,
  stored,
} from './connection.js';
import { nameOf, userStringOf } from './kinds.js';
import { MAX_PIECE_BYTES, PIECES_PER_REQUEST } from './limits.js';

/** One shard is one entity property: 1,000,000 bytes leaves room for its key under the entity limit. */
export const DATASTORE_MAX_SHARD_BYTES = MAX_PIECE_BYTES;

/** Retired shards re-stamped inside the commit; more than this are stamped just before it. */
const STAMPS_IN_COMMIT = 300;
/** Shards one clean transaction deletes (two entities each). */
const CLEAN_BATCH = 200;
/**
 * The shard list of one generation is one entity: 65 bytes a shard, so a state may span some
 * 15,000 shards (64 MiB at the default 512 KiB; pick shardBytes ≥ maxPayloadBytes / 15,000).
 */
const MAX_SHARD_LIST_BYTES = 1_000_000;
/** Root reads racing commits before a missing shard list counts as corruption. */
const MAX_ROOT_READS = 10;

const generationName = (generation: number): string => String(generation).padStart(16, '0');

export function datastoreNodes(c: DatastoreConnection): NodeBackend<DatastoreTx> {
  const k = c.kinds;
  const rootPath = (id: string): string[] => [k.NodeRoot, nameOf(id)];
  const rootKey = (id: string): Key => c.key(rootPath(id));
  const listKey = (id: string, generation: number): Key =>
    c.key([...rootPath(id), k.NodeShardList, generationName(generation)]);
  const shardKey = (id: string, hash: string): Key => c.key([...rootPath(id), k.NodeShard, hash]);
  const stampKey = (id: string, hash: string): Key =>
    c.key([...rootPath(id), k.NodeShardStamp, hash]);
  const stampWrite = (id: string, hash: string, nowMs: number): EntityWrite => ({
    key: stampKey(id, hash),
    data: [stored('stampMs', nowMs)],
  });

  /** The root (head and shard list) as one transaction or one consistent pair of reads sees it. */
  const readRootIn = async (
    operation: string,
    id: string,
    tx?: DatastoreTx,
  ): Promise<NodeRoot | null> => {
    for (let attempt = 1; ; attempt++) {
      const head = await c.get(operation, rootKey(id), tx);
      if (!head) return null;
      const generation = head.generation as number;
      const list = await c.get(operation, listKey(id, generation), tx);
      // Outside a transaction a commit may replace the list between the two reads: read again.
      if (!list) {
        if (tx || attempt >= MAX_ROOT_READS) {
          throw new CorruptStateError(
            `node ${JSON.stringify(id)}: generation ${generation} has no shard list`,
          );
        }
        continue;
      }
      const text = list.shards as string;
      return {
        id,
        generation,
        byteLength: head.byteLength as number,
        sha256: head.sha256 as string,
        shards: text === '' ? [] : text.split(' '),
      };
    }
  };

  const ancestorKeys = (operation: string, id: string, kind: string): Promise<Key[]> =>
    c.keys(operation, c.query(kind).hasAncestor(rootKey(id)));

  return {
    maxShardBytes: DATASTORE_MAX_SHARD_BYTES,

    readRoot: (id) => readRootIn('nodes.readRoot', id),

    async readRootHead(id) {
      const head = await c.get('nodes.readRootHead', rootKey(id));
      return head ? { generation: head.generation as number, sha256: head.sha256 as string } : null;
    },

    async readShards(id, hashes) {
      const keys = hashes.map((hash) => shardKey(id, hash));
      const found = await c.lookup('nodes.readShards', keys, { perRequest: PIECES_PER_REQUEST });
      const shards = new Map<string, Uint8Array>();
      for (const [i, key] of keys.entries()) {
        const entity = found.get(keyId(key));
        if (entity) shards.set(hashes[i] as string, bytesOf(entity.bytes));
      }
      return shards;
    },

    async writeShards(id, shards, nowMs) {
      // Each stamp goes before its shard: a commit that fails half-way leaves at worst a stamp
      // without a shard (clean deletes it), never a shard that clean cannot see.
      await c.upsertAll(
        'nodes.writeShards',
        shards.flatMap(({ hash, bytes }) => [
          stampWrite(id, hash, nowMs),
          { key: shardKey(id, hash), data: [stored('bytes', bytes)] },
        ]),
      );
    },

    async commitRoot(id, expectedGeneration, root, retired, nowMs, onCommit) {
      const stampsInCommit = retired.length <= STAMPS_IN_COMMIT;
      if (!stampsInCommit) {
        // Too many for one commit: stamping early only keeps the shards longer, and until the
        // commit below the current root still references them.
        await c.upsertAll(
          'nodes.commit',
          retired.map((hash) => stampWrite(id, hash, nowMs)),
        );
      }
      const shardList = root.shards.join(' ');
      if (shardList.length > MAX_SHARD_LIST_BYTES) {
        throw new PayloadTooLargeError('state shard list', shardList.length, MAX_SHARD_LIST_BYTES);
      }
      let writeId = '';
      return c.transaction(
        'nodes.commit',
        async (tx) => {
          const head = await c.get('nodes.commit', rootKey(id), tx);
          const actual = head ? (head.generation as number) : null;
          if (actual !== expectedGeneration) return { committed: false as const, actual };
          writeId = newWriteId();
          c.save(tx, 'nodes.commit', {
            key: rootKey(id),
            data: [
              stored('generation', root.generation),
              stored('byteLength', root.byteLength),
              stored('sha256', root.sha256),
              stored('writeId', writeId),
            ],
          });
          c.save(tx, 'nodes.commit', {
            key: listKey(id, root.generation),
            data: [stored('shards', shardList)],
          });
          if (actual !== null) tx.delete(listKey(id, actual));
          if (stampsInCommit) {
            for (const hash of retired) c.save(tx, 'nodes.commit', stampWrite(id, hash, nowMs));
          }
          await onCommit?.(tx);
          return { committed: true as const };
        },
        // A lost reply: the head still carrying this attempt's writeId is ours. Once another
        // writer moved it on, the outcome stays unknown.
        async () => (await c.get('nodes.commit.readBack', rootKey(id)))?.writeId === writeId,
      );
    },

    async deleteNode(id) {
      await c.transaction('nodes.delete', async (tx) => {
        const head = await c.get('nodes.delete', rootKey(id), tx);
        tx.delete(rootKey(id));
        if (head) tx.delete(listKey(id, head.generation as number));
      });
      for (const kind of [k.NodeShardList, k.NodeShardStamp, k.NodeShard]) {
        await c.deleteAll('nodes.delete', await ancestorKeys('nodes.delete', id, kind));
      }
    },

    async listIds() {
      const keys = await c.keys('nodes.list', c.query(k.NodeRoot));
      return keys.map((key) => userStringOf(key.name as string)).sort(compareUtf8);
    },

    async cleanShards(id, stampBeforeMs) {
      const stamps = await c.run('nodes.clean', c.query(k.NodeShardStamp).hasAncestor(rootKey(id)));
      const candidates = stamps
        .filter((stamp: StoredEntity) => (stamp.stampMs as number) < stampBeforeMs)
        .map((stamp) => c.keyOf(stamp).name as string);
      let deleted = 0;
      for (let i = 0; i < candidates.length; i += CLEAN_BATCH) {
        const batch = candidates.slice(i, i + CLEAN_BATCH);
        deleted += await c.transaction('nodes.clean', async (tx) => {
          const root = await readRootIn('nodes.clean', id, tx);
          const referenced = new Set(root?.shards ?? []);
          const current = await c.lookup(
            'nodes.clean',
            batch.map((hash) => stampKey(id, hash)),
            { tx },
          );
          let removed = 0;
          for (const hash of batch) {
            const stamp = current.get(keyId(stampKey(id, hash)));
            if (referenced.has(hash) || !stamp || (stamp.stampMs as number) >= stampBeforeMs)
              continue;
            tx.delete(stampKey(id, hash));
            tx.delete(shardKey(id, hash));
            removed++;
          }
          return removed;
        });
      }
      return deleted;
    },
  };
}
