/**
 * Sharded node state on SQLite (tables `<prefix>_node_roots` and `<prefix>_node_shards`, see
 * ./schema.ts). Shards are rows keyed by (id, content hash), written before the root that names
 * them. The root is replaced by a conditional write — `WHERE generation = expected`, or an insert
 * that does nothing if a root exists — inside one BEGIN IMMEDIATE transaction with the retired
 * shards' re-stamp and the user's Operator.commit.
 */
import type { NodeBackend, NodeRoot } from '@checkpointkit/core';
import { blobBytes } from './blob.js';
import { prepared, type SqliteConnection, type SqliteTx } from './connection.js';
import type { TableNames } from './schema.js';

/**
 * One shard is one BLOB. SQLite's limit is 1e9 bytes per value; 64 MiB keeps a single row well
 * inside it and matches the largest default payload, so any shardBytes a caller picks fits.
 */
export const SQLITE_MAX_SHARD_BYTES = 64 * 1024 * 1024;

interface RootRow {
  readonly id: string;
  readonly generation: number;
  readonly byte_length: number;
  readonly sha256: string;
  readonly shards: string;
}

function toRoot(row: RootRow): NodeRoot {
  return {
    id: row.id,
    generation: row.generation,
    byteLength: row.byte_length,
    sha256: row.sha256,
    shards: JSON.parse(row.shards) as string[],
  };
}

export function sqliteNodes(connection: SqliteConnection, t: TableNames): NodeBackend<SqliteTx> {
  const sql = {
    root: `SELECT id, generation, byte_length, sha256, shards FROM ${t.nodeRoots} WHERE id = @id`,
    generation: `SELECT generation FROM ${t.nodeRoots} WHERE id = @id`,
    // sha256 precedes shards in the row, so the (long) shard list is not read.
    head: `SELECT generation, sha256 FROM ${t.nodeRoots} WHERE id = @id`,
    createRoot: `INSERT INTO ${t.nodeRoots} (id, generation, byte_length, sha256, shards)
      VALUES (@id, @generation, @byteLength, @sha256, @shards) ON CONFLICT (id) DO NOTHING`,
    replaceRoot: `UPDATE ${t.nodeRoots}
      SET generation = @generation, byte_length = @byteLength, sha256 = @sha256, shards = @shards
      WHERE id = @id AND generation = @expected`,
    shard: `SELECT bytes FROM ${t.nodeShards} WHERE id = @id AND hash = @hash`,
    // Same hash, same bytes: an existing shard only gets a fresh stamp.
    writeShard: `INSERT INTO ${t.nodeShards} (id, hash, stamp_ms, bytes) VALUES (@id, @hash, @nowMs, @bytes)
      ON CONFLICT (id, hash) DO UPDATE SET stamp_ms = excluded.stamp_ms`,
    stamp: `UPDATE ${t.nodeShards} SET stamp_ms = @nowMs WHERE id = @id AND hash = @hash`,
    deleteRoot: `DELETE FROM ${t.nodeRoots} WHERE id = @id`,
    deleteShards: `DELETE FROM ${t.nodeShards} WHERE id = @id`,
    listIds: `SELECT id FROM ${t.nodeRoots} ORDER BY id`,
    // stamp_ms precedes bytes in the row, so this never reads the shards' payload.
    staleShards: `SELECT hash FROM ${t.nodeShards} WHERE id = @id AND stamp_ms < @stampBeforeMs`,
    deleteShard: `DELETE FROM ${t.nodeShards} WHERE id = @id AND hash = @hash`,
  };

  const rootParams = (root: NodeRoot) => ({
    id: root.id,
    generation: root.generation,
    byteLength: root.byteLength,
    sha256: root.sha256,
    shards: JSON.stringify(root.shards),
  });

  return {
    maxShardBytes: SQLITE_MAX_SHARD_BYTES,

    readRoot: (id) =>
      connection.read('nodes.readRoot', (db) => {
        const row = prepared(db, sql.root).get({ id }) as RootRow | undefined;
        return row ? toRoot(row) : null;
      }),

    readRootHead: (id) =>
      connection.read('nodes.readRootHead', (db) => {
        const row = prepared(db, sql.head).get({ id }) as
          | Pick<RootRow, 'generation' | 'sha256'>
          | undefined;
        return row ? { generation: row.generation, sha256: row.sha256 } : null;
      }),

    readShards: (id, hashes) =>
      connection.read('nodes.readShards', (db) => {
        const found = new Map<string, Uint8Array>();
        const read = prepared(db, sql.shard).pluck();
        for (const hash of hashes) {
          const bytes = read.get({ id, hash });
          if (bytes !== undefined) found.set(hash, blobBytes(bytes));
        }
        return found;
      }),

    writeShards: (id, shards, nowMs) =>
      connection.write('nodes.writeShards', (tx) => {
        const write = prepared(tx, sql.writeShard);
        for (const { hash, bytes } of shards) write.run({ id, hash, nowMs, bytes });
      }),

    commitRoot: (id, expectedGeneration, root, retired, nowMs, onCommit) =>
      connection.write('nodes.commit', async (tx) => {
        const written =
          expectedGeneration === null
            ? prepared(tx, sql.createRoot).run(rootParams(root))
            : prepared(tx, sql.replaceRoot).run({
                ...rootParams(root),
                expected: expectedGeneration,
              });
        if (written.changes !== 1) {
          const actual = prepared(tx, sql.generation).pluck().get({ id }) as number | undefined;
          return { committed: false as const, actual: actual ?? null };
        }
        const stamp = prepared(tx, sql.stamp);
        for (const hash of retired) stamp.run({ id, hash, nowMs });
        await onCommit?.(tx);
        return { committed: true as const };
      }),

    deleteNode: (id) =>
      connection.write('nodes.delete', (tx) => {
        prepared(tx, sql.deleteRoot).run({ id });
        prepared(tx, sql.deleteShards).run({ id });
      }),

    listIds: () =>
      connection.read('nodes.list', (db) => prepared(db, sql.listIds).pluck().all() as string[]),

    cleanShards: (id, stampBeforeMs) =>
      connection.write('nodes.clean', (tx) => {
        const row = prepared(tx, sql.root).get({ id }) as RootRow | undefined;
        const referenced = new Set(row ? toRoot(row).shards : []);
        const remove = prepared(tx, sql.deleteShard);
        let deleted = 0;
        for (const hash of prepared(tx, sql.staleShards)
          .pluck()
          .all({ id, stampBeforeMs }) as string[]) {
          if (referenced.has(hash)) continue;
          deleted += remove.run({ id, hash }).changes;
        }
        return deleted;
      }),
  };
}
