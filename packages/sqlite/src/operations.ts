/**
 * Operation checkpoints on SQLite (tables `<prefix>_operations` and
 * `<prefix>_operation_checkpoints`, see ./schema.ts). Each write is one BEGIN IMMEDIATE
 * transaction that reads the operation row, applies core's `checkFence` to its lease, and then
 * writes; the counter row is never deleted, so ids are never reused.
 */
import {
  type AcquireOutcome,
  checkFence,
  type Fence,
  type OperationBackend,
  type OperationLeaseRecord,
  type StoredOperationCheckpoint,
} from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';
import { blobBytes } from './blob.js';
import { prepared, type SqliteConnection } from './connection.js';
import { looseIndexScan } from './loose-index-scan.js';
import type { TableNames } from './schema.js';

interface OperationRow {
  readonly last_seq: number;
  readonly last_token: number;
  readonly lease_owner: string | null;
  readonly lease_token: number | null;
  readonly lease_expiry_ms: number | null;
}

interface CheckpointRow {
  readonly seq: number;
  readonly label: string;
  readonly created_ms: number;
  readonly data: Uint8Array;
}

function leaseOf(row: OperationRow | undefined): OperationLeaseRecord | null {
  if (!row || row.lease_token === null) return null;
  return {
    owner: row.lease_owner ?? '',
    token: row.lease_token,
    expiryMs: row.lease_expiry_ms ?? 0,
  };
}

function toStored(row: CheckpointRow): StoredOperationCheckpoint {
  return { seq: row.seq, label: row.label, data: blobBytes(row.data), createdMs: row.created_ms };
}

export function sqliteOperations(connection: SqliteConnection, t: TableNames): OperationBackend {
  const sql = {
    operation: `SELECT last_seq, last_token, lease_owner, lease_token, lease_expiry_ms
      FROM ${t.operations} WHERE name = @name`,
    nextSeq: `INSERT INTO ${t.operations} (name, last_seq, last_token) VALUES (@name, 1, 0)
      ON CONFLICT (name) DO UPDATE SET last_seq = last_seq + 1
      RETURNING last_seq`,
    insertCheckpoint: `INSERT INTO ${t.operationCheckpoints} (name, seq, label, created_ms, data)
      VALUES (@name, @seq, @label, @createdMs, @data)`,
    // compact copies the latest data inside SQLite: a 16 MiB payload never round-trips through JS.
    copyCheckpoint: `INSERT INTO ${t.operationCheckpoints} (name, seq, label, created_ms, data)
      SELECT name, @seq, @label, @createdMs, data FROM ${t.operationCheckpoints}
      WHERE name = @name AND seq = @from`,
    latestSeq: `SELECT seq FROM ${t.operationCheckpoints} WHERE name = @name ORDER BY seq DESC LIMIT 1`,
    deleteBelow: `DELETE FROM ${t.operationCheckpoints} WHERE name = @name AND seq < @seq`,
    deleteAll: `DELETE FROM ${t.operationCheckpoints} WHERE name = @name`,
    latest: `SELECT seq, label, created_ms, data FROM ${t.operationCheckpoints}
      WHERE name = @name ORDER BY seq DESC LIMIT 1`,
    load: `SELECT seq, label, created_ms, data FROM ${t.operationCheckpoints}
      WHERE name = @name AND seq = @seq`,
    listSeqs: `SELECT seq FROM ${t.operationCheckpoints} WHERE name = @name ORDER BY seq`,
    nextName: `SELECT name FROM ${t.operationCheckpoints} WHERE name > @after ORDER BY name LIMIT 1`,
    grantLease: `INSERT INTO ${t.operations}
        (name, last_seq, last_token, lease_owner, lease_token, lease_expiry_ms)
      VALUES (@name, 0, @token, @owner, @token, @expiryMs)
      ON CONFLICT (name) DO UPDATE SET last_token = @token, lease_owner = @owner,
        lease_token = @token, lease_expiry_ms = @expiryMs`,
    renewLease: `UPDATE ${t.operations} SET lease_expiry_ms = @expiryMs
      WHERE name = @name AND lease_token = @token`,
    endLease: `UPDATE ${t.operations}
      SET lease_owner = NULL, lease_token = NULL, lease_expiry_ms = NULL
      WHERE name = @name AND lease_token = @token`,
  };

  /** Every fenced write starts here: the operation's lease, checked against the caller's fence. */
  const fenced = (tx: BetterSqlite3.Database, name: string, fence: Fence, nowMs: number): void => {
    const row = prepared(tx, sql.operation).get({ name }) as OperationRow | undefined;
    checkFence(name, leaseOf(row), fence, nowMs);
  };
  const nextSeq = (tx: BetterSqlite3.Database, name: string): number =>
    prepared(tx, sql.nextSeq).pluck().get({ name }) as number;

  return {
    append: (name, entry, fence, nowMs) =>
      connection.write('operations.checkpoint', (tx) => {
        fenced(tx, name, fence, nowMs);
        const seq = nextSeq(tx, name);
        prepared(tx, sql.insertCheckpoint).run({ name, seq, ...entry });
        return seq;
      }),

    latest: (name) =>
      connection.read('operations.latest', (db) => {
        const row = prepared(db, sql.latest).get({ name }) as CheckpointRow | undefined;
        return row ? toStored(row) : null;
      }),

    load: (name, seq) =>
      connection.read('operations.load', (db) => {
        const row = prepared(db, sql.load).get({ name, seq }) as CheckpointRow | undefined;
        return row ? toStored(row) : null;
      }),

    listSeqs: (name) =>
      connection.read(
        'operations.list',
        (db) => prepared(db, sql.listSeqs).pluck().all({ name }) as number[],
      ),

    compact: (name, entry, fence, nowMs) =>
      connection.write('operations.compact', (tx) => {
        fenced(tx, name, fence, nowMs);
        const from = prepared(tx, sql.latestSeq).pluck().get({ name }) as number | undefined;
        if (from === undefined) return null;
        const seq = nextSeq(tx, name);
        prepared(tx, sql.copyCheckpoint).run({ name, seq, from, ...entry });
        prepared(tx, sql.deleteBelow).run({ name, seq });
        return seq;
      }),

    clear: (name, fence, nowMs, endLease) =>
      connection.write('operations.clear', (tx) => {
        fenced(tx, name, fence, nowMs);
        prepared(tx, sql.deleteAll).run({ name });
        if (endLease && fence !== null) prepared(tx, sql.endLease).run({ name, token: fence });
      }),

    acquire: (name, owner, expiryMs, nowMs) =>
      connection.write('operations.acquire', (tx): AcquireOutcome => {
        const row = prepared(tx, sql.operation).get({ name }) as OperationRow | undefined;
        const current = leaseOf(row);
        if (current && current.expiryMs > nowMs) return { held: current };
        const token = (row?.last_token ?? 0) + 1;
        prepared(tx, sql.grantLease).run({ name, owner, token, expiryMs });
        return { acquired: { owner, token, expiryMs } };
      }),

    renewLease: (name, token, expiryMs) =>
      connection.write(
        'operations.renewLease',
        (tx) => prepared(tx, sql.renewLease).run({ name, token, expiryMs }).changes === 1,
      ),

    releaseLease: (name, token) =>
      connection.write(
        'operations.releaseLease',
        (tx) => prepared(tx, sql.endLease).run({ name, token }).changes === 1,
      ),

    listNames: () =>
      connection.read('operations.listNames', (db) =>
        looseIndexScan(prepared(db, sql.nextName).pluck()),
      ),
  };
}
