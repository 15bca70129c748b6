/**
 * Operation checkpoints on Spanner (tables `<prefix>_operations`, `<prefix>_operation_checkpoints`
 * and `<prefix>_operation_chunks`, interleaved in that order, see ./schema.ts). Each write is one
 * read-write transaction that reads the operation row, applies core's `checkFence` to its lease,
 * and then writes; the operation row (the counter) is never deleted, so ids are never reused.
 * Data is cut into cells of ≤ 8 MiB; a checkpoint of up to 64 MiB is one commit.
 */
import {
  type AcquireOutcome,
  checkFence,
  compareUtf8,
  concatBytes,
  type Fence,
  type OperationBackend,
  type OperationLeaseRecord,
  type StoredOperationCheckpoint,
} from '@checkpointkit/core';
import { CELL_CHUNK_BYTES, type CommitTally, cellChunks } from './limits.js';
import type { TableNames } from './schema.js';
import {
  bytesParam,
  int64,
  query,
  type Row,
  type SpannerTransactions,
  type SpannerTx,
  type Statement,
  toBytes,
  toNumber,
  update,
} from './transactions.js';

function leaseOf(row: Row | undefined): OperationLeaseRecord | null {
  if (!row || row.LeaseToken === null || row.LeaseToken === undefined) return null;
  return {
    owner: (row.LeaseOwner as string | null) ?? '',
    token: toNumber(row.LeaseToken),
    expiryMs: toNumber(row.LeaseExpiryMs ?? 0),
  };
}

function toStored(row: Row, chunks: Uint8Array[]): StoredOperationCheckpoint {
  return {
    seq: toNumber(row.Seq),
    label: row.Label as string,
    data: chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(chunks),
    createdMs: toNumber(row.CreatedMs),
  };
}

/** Chunk rows a payload of `byteLength` bytes takes (an empty payload keeps one empty chunk). */
function chunkCount(byteLength: number): number {
  return Math.max(1, Math.ceil(byteLength / CELL_CHUNK_BYTES));
}

export function spannerOperations(spanner: SpannerTransactions, t: TableNames): OperationBackend {
  /**
   * Joins the checkpoint row `checkpoint` selects (at most one) with its chunk rows: one result
   * row per chunk, in chunk order. The whole checkpoint is one query, so one single-use strong
   * read sees it at one timestamp (a concurrent compact can never tear it) in one round trip.
   * Rows, not an ARRAY subquery: Spanner caps a constructed array at 1 MiB. Every checkpoint has
   * at least one chunk row (cellChunks keeps one empty chunk for empty data, compact copies them
   * all), so the inner join drops none.
   */
  const withChunks = (checkpoint: string): string =>
    `SELECT c.Seq, c.Label, c.CreatedMs, k.Bytes FROM (${checkpoint}) AS c
      JOIN ${t.operationChunks} AS k ON k.Name = @name AND k.Seq = c.Seq
      ORDER BY k.Chunk`;

  const sql = {
    operation: `SELECT LastSeq, LastToken, CheckpointCount, LeaseOwner, LeaseToken, LeaseExpiryMs
      FROM ${t.operations} WHERE Name = @name`,
    latest: withChunks(`SELECT Seq, Label, CreatedMs FROM ${t.operationCheckpoints}
      WHERE Name = @name ORDER BY Seq DESC LIMIT 1`),
    load: withChunks(`SELECT Seq, Label, CreatedMs FROM ${t.operationCheckpoints}
      WHERE Name = @name AND Seq = @seq`),
    latestSize: `SELECT Seq, ByteLength FROM ${t.operationCheckpoints}
      WHERE Name = @name ORDER BY Seq DESC LIMIT 1`,
    listSeqs: `SELECT Seq FROM ${t.operationCheckpoints} WHERE Name = @name ORDER BY Seq`,
    // compact copies the latest data inside Spanner: 64 MiB never round-trips through Node.
    copyCheckpoint: `INSERT INTO ${t.operationCheckpoints} (Name, Seq, Label, CreatedMs, ByteLength)
      SELECT Name, @seq, @label, @createdMs, ByteLength FROM ${t.operationCheckpoints}
      WHERE Name = @name AND Seq = @from`,
    copyChunks: `INSERT INTO ${t.operationChunks} (Name, Seq, Chunk, Bytes)
      SELECT Name, @seq, Chunk, Bytes FROM ${t.operationChunks} WHERE Name = @name AND Seq = @from`,
    // ON DELETE CASCADE takes each checkpoint's chunks with it.
    deleteBelow: `DELETE FROM ${t.operationCheckpoints} WHERE Name = @name AND Seq < @seq`,
    deleteAll: `DELETE FROM ${t.operationCheckpoints} WHERE Name = @name`,
    names: `SELECT Name FROM ${t.operations} WHERE CheckpointCount > 0`,
  };

  /** The checkpoint `withChunks` selects, read in one single-use strong query. */
  const readCheckpoint = async (
    operation: string,
    statement: Statement,
  ): Promise<StoredOperationCheckpoint | null> => {
    const rows = await spanner.read(operation, (db) => query(db, statement));
    const [first] = rows;
    if (!first) return null;
    return toStored(
      first,
      rows.map((r) => toBytes(r.Bytes)),
    );
  };

  /** Every fenced write starts here: the operation row, its lease checked against the fence. */
  const fenced = async (
    tx: SpannerTx,
    name: string,
    fence: Fence,
    nowMs: number,
  ): Promise<Row | undefined> => {
    const [row] = await query(tx, { sql: sql.operation, params: { name } });
    checkFence(name, leaseOf(row), fence, nowMs);
    return row;
  };

  /** Sets columns of the operation row, inserting it (counter and tokens at 0) if absent. */
  const writeOperation = (
    tx: SpannerTx,
    tally: CommitTally,
    name: string,
    exists: boolean,
    columns: Record<string, unknown>,
  ): void => {
    const row = exists
      ? { Name: name, ...columns }
      : {
          Name: name,
          LastSeq: int64(0),
          LastToken: int64(0),
          CheckpointCount: int64(0),
          LeaseOwner: null,
          LeaseToken: null,
          LeaseExpiryMs: null,
          ...columns,
        };
    tally.row(Object.values(row));
    if (exists) tx.update(t.operations, row);
    else tx.insert(t.operations, row);
  };

  const endLease = { LeaseOwner: null, LeaseToken: null, LeaseExpiryMs: null };

  return {
    append: (name, entry, fence, nowMs) =>
      spanner.write('operations.checkpoint', async (tx, tally) => {
        const row = await fenced(tx, name, fence, nowMs);
        const seq = (row ? toNumber(row.LastSeq) : 0) + 1;
        writeOperation(tx, tally, name, row !== undefined, {
          LastSeq: int64(seq),
          CheckpointCount: int64((row ? toNumber(row.CheckpointCount) : 0) + 1),
        });
        const checkpoint = {
          Name: name,
          Seq: int64(seq),
          Label: entry.label,
          CreatedMs: int64(entry.createdMs),
          ByteLength: int64(entry.data.byteLength),
        };
        tally.row(Object.values(checkpoint));
        tx.insert(t.operationCheckpoints, checkpoint);
        cellChunks(entry.data).forEach((chunk, i) => {
          const chunkRow = {
            Name: name,
            Seq: int64(seq),
            Chunk: int64(i),
            Bytes: bytesParam(chunk),
          };
          tally.row(Object.values(chunkRow));
          tx.insert(t.operationChunks, chunkRow);
        });
        return seq;
      }),

    latest: (name) => readCheckpoint('operations.latest', { sql: sql.latest, params: { name } }),

    load: (name, seq) =>
      readCheckpoint('operations.load', { sql: sql.load, params: { name, seq: int64(seq) } }),

    listSeqs: (name) =>
      spanner.read('operations.list', async (db) =>
        (await query(db, { sql: sql.listSeqs, params: { name } })).map((r) => toNumber(r.Seq)),
      ),

    compact: (name, entry, fence, nowMs) =>
      spanner.write('operations.compact', async (tx, tally) => {
        const row = await fenced(tx, name, fence, nowMs);
        const [latest] = await query(tx, { sql: sql.latestSize, params: { name } });
        if (!row || !latest) return null;
        const from = toNumber(latest.Seq);
        const byteLength = toNumber(latest.ByteLength);
        const seq = toNumber(row.LastSeq) + 1;
        const params = { name, seq: int64(seq), from: int64(from) };
        await update(tx, {
          sql: sql.copyCheckpoint,
          params: { ...params, label: entry.label, createdMs: int64(entry.createdMs) },
        });
        await update(tx, { sql: sql.copyChunks, params });
        // Copied rows: 5 checkpoint columns, then 4 columns per chunk carrying the data.
        tally.row([name, seq, entry.label, entry.createdMs, byteLength]);
        tally.mutations += 4 * chunkCount(byteLength);
        tally.bytes += byteLength;
        tally.deletions(await update(tx, { sql: sql.deleteBelow, params }));
        writeOperation(tx, tally, name, true, {
          LastSeq: int64(seq),
          CheckpointCount: int64(1),
        });
        return seq;
      }),

    clear: (name, fence, nowMs, endLeaseToo) =>
      spanner.write('operations.clear', async (tx, tally) => {
        const row = await fenced(tx, name, fence, nowMs);
        if (!row) return;
        tally.deletions(await update(tx, { sql: sql.deleteAll, params: { name } }));
        const ending =
          endLeaseToo && fence !== null && leaseOf(row)?.token === fence ? endLease : {};
        writeOperation(tx, tally, name, true, { CheckpointCount: int64(0), ...ending });
      }),

    acquire: (name, owner, expiryMs, nowMs) =>
      spanner.write('operations.acquire', async (tx, tally): Promise<AcquireOutcome> => {
        const [row] = await query(tx, { sql: sql.operation, params: { name } });
        const current = leaseOf(row);
        if (current && current.expiryMs > nowMs) return { held: current };
        const token = (row ? toNumber(row.LastToken) : 0) + 1;
        writeOperation(tx, tally, name, row !== undefined, {
          LastToken: int64(token),
          LeaseOwner: owner,
          LeaseToken: int64(token),
          LeaseExpiryMs: int64(expiryMs),
        });
        return { acquired: { owner, token, expiryMs } };
      }),

    renewLease: (name, token, expiryMs) =>
      spanner.write('operations.renewLease', async (tx, tally) => {
        const [row] = await query(tx, { sql: sql.operation, params: { name } });
        if (leaseOf(row)?.token !== token) return false;
        writeOperation(tx, tally, name, true, { LeaseExpiryMs: int64(expiryMs) });
        return true;
      }),

    releaseLease: (name, token) =>
      spanner.write('operations.releaseLease', async (tx, tally) => {
        const [row] = await query(tx, { sql: sql.operation, params: { name } });
        if (leaseOf(row)?.token !== token) return false;
        writeOperation(tx, tally, name, true, endLease);
        return true;
      }),

    listNames: () =>
      spanner.read('operations.listNames', async (db) =>
        (await query(db, { sql: sql.names })).map((r) => r.Name as string).sort(compareUtf8),
      ),
  };
}
