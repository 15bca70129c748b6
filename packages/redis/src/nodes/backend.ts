/**
 * Sharded node state on Redis (NodeBackend): per node id, under its own hash tag, a root hash,
 * content-addressed shard strings and a ZSET of shard stamps; see README.md, "Key layout".
 * Shards are written (and read) in pipelined batches, each batch one MULTI so that a shard and
 * its stamp are never apart. The root's generation CAS, the re-stamping of retired shards and
 * Operator.commit's queued commands are one commit-unit.
 */
import {
  compareUtf8,
  type NodeBackend,
  type NodeRoot,
  retryAborted,
  type ShardWrite,
  viewBytes,
} from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';
import type { RedisContext } from '../context.js';
import { redisCall } from '../errors.js';
import { nameInTag } from '../key-layout.js';
import { nodeClean } from '../lua/node-clean.js';
import { nodeDelete } from '../lua/node-delete.js';
import { MAX_SHARD_BYTES, SHARD_BATCH_BYTES, SHARD_BATCH_COUNT } from '../options.js';
import { scanKeys } from '../scan.js';
import type { RedisTx } from '../tx/tx.js';

const HASH_HEX_LENGTH = 64;

/** Consecutive batches of at most SHARD_BATCH_COUNT items and (past the first) SHARD_BATCH_BYTES. */
function batches<T>(items: readonly T[], size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length > 0 &&
      (current.length >= SHARD_BATCH_COUNT || bytes + size(item) > SHARD_BATCH_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size(item);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Throws the first error of a pipeline or MULTI's replies. */
function repliesOf(replies: [Error | null, unknown][] | null, what: string): unknown[] {
  if (replies === null) throw new Error(`${what}: the transaction was discarded`);
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

export function redisNodes(context: RedisContext): NodeBackend<RedisTx> {
  const { client, scripts, layout, units, journal, options } = context;

  return {
    maxShardBytes: MAX_SHARD_BYTES,

    async readRoot(id) {
      const [generation, shards, byteLength, sha256] = await redisCall('node root read', () =>
        client.hmget(layout.nodeRoot(id), 'generation', 'shards', 'byte-length', 'sha256'),
      );
      if (generation === null) return null;
      const hashes: string[] = [];
      for (let i = 0; i < (shards ?? '').length; i += HASH_HEX_LENGTH)
        hashes.push((shards as string).slice(i, i + HASH_HEX_LENGTH));
      return {
        id,
        generation: Number(generation),
        shards: hashes,
        byteLength: Number(byteLength),
        sha256: sha256 ?? '',
      } satisfies NodeRoot;
    },

    async readRootHead(id) {
      const [generation, sha256] = await redisCall('node root head read', () =>
        client.hmget(layout.nodeRoot(id), 'generation', 'sha256'),
      );
      return generation === null ? null : { generation: Number(generation), sha256: sha256 ?? '' };
    },

    async readShards(id, hashes) {
      const found = new Map<string, Uint8Array>();
      for (const batch of batches(hashes, () => 0)) {
        const replies = await redisCall('node shards read', async () => {
          const pipeline = client.pipeline();
          for (const hash of batch) pipeline.getBuffer(layout.nodeShard(id, hash));
          return repliesOf(await pipeline.exec(), 'node shards read');
        });
        batch.forEach((hash, i) => {
          const bytes = replies[i] as Buffer | null;
          if (bytes !== null) found.set(hash, viewBytes(bytes));
        });
      }
      return found;
    },

    async writeShards(id, shards, nowMs) {
      const stamps = layout.nodeStamps(id);
      for (const batch of batches<ShardWrite>(shards, (s) => s.bytes.byteLength)) {
        await redisCall('node shards write', async () => {
          const multi = client.multi();
          for (const shard of batch) {
            multi.set(layout.nodeShard(id, shard.hash), asBuffer(shard.bytes));
            multi.zadd(stamps, nowMs, shard.hash);
          }
          repliesOf(await multi.exec(), 'node shards write');
        });
      }
    },

    commitRoot(id, expectedGeneration, root, retired, nowMs, onCommit) {
      return retryAborted(`node ${JSON.stringify(id)} commit`, options.retry, async () => {
        const { state, tx } = units.open(layout.nodeTag(id));
        state.guards.push({
          kind: 'root',
          root: layout.nodeRoot(id),
          stamps: layout.nodeStamps(id),
          expected: expectedGeneration,
          next: root,
          retired,
          nowMs,
        });
        try {
          await onCommit?.(tx);
        } catch (error) {
          units.abandon(state);
          throw error;
        }
        const outcome = await units.commit(state);
        if (outcome.kind === 'generation')
          return { committed: false as const, actual: outcome.actual };
        return { committed: true as const };
      });
    },

    async deleteNode(id) {
      // Journaled: a resend after a new create must not delete the new state.
      await journal.write(
        nodeDelete,
        layout.nodeTag(id),
        [layout.nodeRoot(id), layout.nodeStamps(id)],
        [layout.nodeShardPrefix(id)],
      );
    },

    async listIds() {
      const ids = (await scanKeys(client, layout.nodeRootPattern, 'nodes list'))
        .map((key) => nameInTag(layout, key, 'n'))
        .filter((id): id is string => id !== null);
      return ids.sort(compareUtf8);
    },

    async cleanShards(id, stampBeforeMs) {
      const deleted = await scripts.run(
        nodeClean,
        [layout.nodeRoot(id), layout.nodeStamps(id)],
        [layout.nodeShardPrefix(id), stampBeforeMs],
      );
      return Number(deleted);
    },
  };
}
