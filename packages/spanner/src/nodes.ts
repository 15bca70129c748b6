/**
 * Sharded node state on Spanner (tables `<prefix>_node_roots` and `<prefix>_node_shards`, see
 * ./schema.ts). Shards are rows keyed by (id, content hash), written before the root that names
 * them, in as many commits as the production limits need (≤ 32 MiB and ≤ 20,000 mutations
 * each). The root is written last, in one read-write transaction that checks its generation,
 * re-stamps the retired shards and runs the user's Operator.commit: readers see a whole
 * generation or nothing. A 64 MiB state thus never needs a commit larger than one shard batch.
 */
import {
  type CommitRootOutcome,
  compareUtf8,
  fromHex,
  type NodeBackend,
  type NodeRoot,
  PayloadTooLargeError,
  type ShardWrite,
  toHex,
} from '@checkpointkit/core';
import { CELL_CHUNK_BYTES, CommitTally } from './limits.js';
import type { TableNames } from './schema.js';
import {
  bytesParam,
  int64,
  query,
  type Row,
  type SpannerTransactions,
  type SpannerTx,
  toBytes,
  toNumber,
  update,
} from './transactions.js';

/** One shard is one BYTES cell: at most 8 MiB (Spanner's cell limit is 10 MiB). */
export const SPANNER_MAX_SHARD_BYTES = CELL_CHUNK_BYTES;

/** A sha256 in the root's shard list: 32 raw bytes. */
const HASH_BYTES = 32;

/**
 * The shard list is one cell too: at most 262,144 shards per state (with the default 512 KiB
 * shardBytes, a 64 MiB state has about 512).
 */
export const MAX_SHARDS_PER_STATE = Math.floor(CELL_CHUNK_BYTES / HASH_BYTES);

/** Shards read per query and deleted per transaction. */
const SHARD_READ_BATCH = 64;
const SHARD_DELETE_BATCH = 5_000;

function packHashes(hashes: readonly string[]): Buffer {
  const packed = Buffer.alloc(hashes.length * HASH_BYTES);
  hashes.forEach((hash, i) => {
    packed.set(fromHex(hash), i * HASH_BYTES);
  });
  return packed;
}

function unpackHashes(bytes: Uint8Array): string[] {
  const hashes: string[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += HASH_BYTES) {
    hashes.push(toHex(bytes.subarray(offset, offset + HASH_BYTES)));
  }
  return hashes;
}

function toRoot(row: Row): NodeRoot {
  return {
    id: row.Id as string,
    generation: toNumber(row.Generation),
    byteLength: toNumber(row.ByteLength),
    sha256: row.Sha256 as string,
    shards: unpackHashes(toBytes(row.Shards)),
  };
}

/** Batches of shards, each fitting one commit of ours (see ./limits.ts). */
function shardBatches(shards: readonly ShardWrite[]): ShardWrite[][] {
  const batches: ShardWrite[][] = [];
  let batch: ShardWrite[] = [];
  let tally = new CommitTally();
  for (const shard of shards) {
    if (batch.length > 0 && !tally.batchHasRoom(4, shard.bytes.byteLength + 160)) {
      batches.push(batch);
      batch = [];
      tally = new CommitTally();
    }
    batch.push(shard);
    tally.mutations += 4;
    tally.bytes += shard.bytes.byteLength + 160;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export function spannerNodes(spanner: SpannerTransactions, t: TableNames): NodeBackend<SpannerTx> {
  const sql = {
    root: `SELECT Id, Generation, ByteLength, Sha256, Shards FROM ${t.nodeRoots} WHERE Id = @id`,
    head: `SELECT Generation, Sha256 FROM ${t.nodeRoots} WHERE Id = @id`,
    shards: `SELECT ShardHash, Bytes FROM ${t.nodeShards} WHERE Id = @id AND ShardHash IN UNNEST(@hashes)`,
    stamp: `UPDATE ${t.nodeShards} SET StampMs = @nowMs WHERE Id = @id AND ShardHash IN UNNEST(@hashes)`,
    hashes: `SELECT ShardHash FROM ${t.nodeShards} WHERE Id = @id LIMIT ${SHARD_DELETE_BATCH}`,
    // ShardHash and StampMs only: the payload column is never read.
    stale: `SELECT ShardHash FROM ${t.nodeShards} WHERE Id = @id AND StampMs < @stampBeforeMs`,
    ids: `SELECT Id FROM ${t.nodeRoots}`,
  };
  const hashesType = { hashes: { type: 'array', child: 'string' } };

  const rootIn = async (on: Parameters<typeof query>[0], id: string) => {
    const [row] = await query(on, { sql: sql.root, params: { id } });
    return row ? toRoot(row) : null;
  };

  return {
    maxShardBytes: SPANNER_MAX_SHARD_BYTES,

    readRoot: (id) => spanner.read('nodes.readRoot', (db) => rootIn(db, id)),

    readRootHead: (id) =>
      spanner.read('nodes.readRootHead', async (db) => {
        const [row] = await query(db, { sql: sql.head, params: { id } });
        return row ? { generation: toNumber(row.Generation), sha256: row.Sha256 as string } : null;
      }),

    readShards: (id, hashes) =>
      spanner.read('nodes.readShards', async (db) => {
        const found = new Map<string, Uint8Array>();
        for (let i = 0; i < hashes.length; i += SHARD_READ_BATCH) {
          const rows = await query(db, {
            sql: sql.shards,
            params: { id, hashes: hashes.slice(i, i + SHARD_READ_BATCH) },
            types: hashesType,
          });
          for (const row of rows) found.set(row.ShardHash as string, toBytes(row.Bytes));
        }
        return found;
      }),

    async writeShards(id, shards, nowMs) {
      // Content-addressed: an existing shard with the same hash has the same bytes, so an
      // upsert only refreshes its stamp. Batches are independent: a shard is useful to nobody
      // until a root names it.
      for (const batch of shardBatches(shards)) {
        await spanner.write('nodes.writeShards', async (tx, tally) => {
          for (const { hash, bytes } of batch) {
            const row = {
              Id: id,
              ShardHash: hash,
              StampMs: int64(nowMs),
              Bytes: bytesParam(bytes),
            };
            tally.row(Object.values(row));
            tx.upsert(t.nodeShards, row);
          }
        });
      }
    },

    commitRoot: (id, expectedGeneration, root, retired, nowMs, onCommit) => {
      if (root.shards.length > MAX_SHARDS_PER_STATE) {
        // Reached only with a tiny shardBytes: the shard list must fit one cell.
        throw new PayloadTooLargeError(
          'state shard list',
          root.shards.length,
          MAX_SHARDS_PER_STATE,
        );
      }
      return spanner.write<CommitRootOutcome>(
        'nodes.commit',
        async (tx: SpannerTx, tally) => {
          const [current] = await query(tx, { sql: sql.head, params: { id } });
          const actual = current ? toNumber(current.Generation) : null;
          if (actual !== expectedGeneration) return { committed: false as const, actual };
          if (retired.length > 0) {
            const stamped = await update(tx, {
              sql: sql.stamp,
              params: { id, nowMs: int64(nowMs), hashes: [...retired] },
              types: hashesType,
            });
            tally.mutations += 3 * stamped;
            tally.bytes += 80 * stamped;
          }
          const row = {
            Id: id,
            Generation: int64(root.generation),
            ByteLength: int64(root.byteLength),
            Sha256: root.sha256,
            Shards: packHashes(root.shards),
          };
          tally.row(Object.values(row));
          // Written last: the root is what makes a generation visible.
          if (expectedGeneration === null) tx.insert(t.nodeRoots, row);
          else tx.update(t.nodeRoots, row);
          await onCommit?.(tx);
          return { committed: true as const };
        },
        {
          // A lost Commit reply: the root holding exactly this generation and checksum proves
          // that this commit applied (generations are claimed by one writer each). Not with a
          // user's onCommit, whose own writes cannot be checked here.
          settle: onCommit
            ? undefined
            : async () => {
                const stored = await rootIn(spanner.database, id);
                return stored?.generation === root.generation && stored.sha256 === root.sha256
                  ? { value: { committed: true as const } }
                  : null;
              },
        },
      );
    },

    async deleteNode(id) {
      await spanner.write('nodes.delete', async (tx, tally) => {
        tally.deletions(1);
        tx.deleteRows(t.nodeRoots, [[id]]);
      });
      for (;;) {
        const deleted = await spanner.write('nodes.delete', async (tx, tally) => {
          const rows = await query(tx, { sql: sql.hashes, params: { id } });
          if (rows.length > 0) {
            tally.deletions(rows.length);
            tx.deleteRows(
              t.nodeShards,
              rows.map((r) => [id, r.ShardHash as string]),
            );
          }
          return rows.length;
        });
        if (deleted < SHARD_DELETE_BATCH) return;
      }
    },

    listIds: () =>
      spanner.read('nodes.list', async (db) =>
        (await query(db, { sql: sql.ids })).map((r) => r.Id as string).sort(compareUtf8),
      ),

    async cleanShards(id, stampBeforeMs) {
      let cleaned = 0;
      for (;;) {
        const deleted = await spanner.write('nodes.clean', async (tx, tally) => {
          const root = await rootIn(tx, id);
          const referenced = new Set(root?.shards ?? []);
          const stale = (
            await query(tx, { sql: sql.stale, params: { id, stampBeforeMs: int64(stampBeforeMs) } })
          )
            .map((r) => r.ShardHash as string)
            .filter((hash) => !referenced.has(hash))
            .slice(0, SHARD_DELETE_BATCH);
          if (stale.length > 0) {
            tally.deletions(stale.length);
            tx.deleteRows(
              t.nodeShards,
              stale.map((hash) => [id, hash]),
            );
          }
          return stale.length;
        });
        cleaned += deleted;
        if (deleted < SHARD_DELETE_BATCH) return cleaned;
      }
    },
  };
}
