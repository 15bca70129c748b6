/**
 * Run-once checkpoints on SQLite (table `<prefix>_checkpoints`, see ./schema.ts): one row per
 * key, one column per key part; a checkpoint stored with a result or fingerprint has a row of
 * the same key in `<prefix>_checkpoint_results`, read with it (LEFT JOIN) and written and
 * deleted with it. Every write is one BEGIN IMMEDIATE transaction; runOnce reads the key, runs
 * the user's work and writes the checkpoint inside that same transaction.
 */
import {
  alreadyExists,
  type CheckpointBackend,
  type CheckpointRecord,
  isLive,
  type NormalizedCheckpointKey,
  transactionalRunOnce,
  ValidationError,
} from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';
import { blobBytes } from './blob.js';
import {
  prepared,
  requireStillInTransaction,
  type SqliteConnection,
  type SqliteTx,
  translated,
} from './connection.js';
import { connectionGate, holds } from './gates.js';
import type { TableNames } from './schema.js';

interface CheckpointRow {
  readonly project: string;
  readonly resource_id: string;
  readonly process_id: string;
  readonly uniquifier: string;
  readonly creation_ms: number;
  readonly expiry_ms: number;
  readonly claim_owner: string | null;
  readonly claim_token: string | null;
  readonly fingerprint: string | null;
  readonly result: Uint8Array | null;
}

const COLUMNS =
  'project, resource_id, process_id, uniquifier, creation_ms, expiry_ms, claim_owner, claim_token';
const KEY_COLUMNS = 'project, resource_id, process_id, uniquifier';
const KEY_MATCH =
  'project = @project AND resource_id = @resourceId AND process_id = @processId AND uniquifier = @uniquifier';

function toRecord(row: CheckpointRow): CheckpointRecord {
  return {
    key: {
      project: row.project,
      resourceId: row.resource_id,
      processId: row.process_id,
      uniquifier: row.uniquifier,
    },
    creationMs: row.creation_ms,
    expiryMs: row.expiry_ms,
    claim:
      row.claim_token === null
        ? undefined
        : { owner: row.claim_owner ?? '', token: row.claim_token },
    ...(row.fingerprint !== null ? { fingerprint: row.fingerprint } : {}),
    ...(row.result !== null ? { result: blobBytes(row.result) } : {}),
  };
}

const hasExtras = (record: CheckpointRecord | null): boolean =>
  record !== null && (record.fingerprint !== undefined || record.result !== undefined);

function toParams(record: CheckpointRecord): Record<string, string | number | null> {
  return {
    ...record.key,
    creationMs: record.creationMs,
    expiryMs: record.expiryMs,
    claimOwner: record.claim?.owner ?? null,
    claimToken: record.claim?.token ?? null,
  };
}

/**
 * The Tx a user hands to insertIn must be a connection whose transaction the caller is inside:
 * the same connection in the middle of somebody else's transaction would take the write into it.
 */
function requireOpenTx(tx: unknown): SqliteTx {
  const db = tx as Partial<BetterSqlite3.Database> | null;
  if (
    typeof db?.prepare !== 'function' ||
    db.inTransaction !== true ||
    !holds(connectionGate(tx as SqliteTx))
  ) {
    throw new ValidationError(
      'tx',
      'must be the Tx a transaction callback received (adapter.transaction, runOnce, …), while it runs',
    );
  }
  return tx as SqliteTx;
}

export function sqliteCheckpoints(
  connection: SqliteConnection,
  t: TableNames,
): CheckpointBackend<SqliteTx> {
  const sql = {
    read: `SELECT ${COLUMNS}, fingerprint, result
      FROM ${t.checkpoints} LEFT JOIN ${t.checkpointResults} USING (${KEY_COLUMNS})
      WHERE ${KEY_MATCH}`,
    upsertResult: `INSERT OR REPLACE INTO ${t.checkpointResults} (${KEY_COLUMNS}, fingerprint, result)
      VALUES (@project, @resourceId, @processId, @uniquifier, @fingerprint, @result)`,
    deleteResult: `DELETE FROM ${t.checkpointResults} WHERE ${KEY_MATCH}`,
    upsert: `INSERT OR REPLACE INTO ${t.checkpoints} (${COLUMNS})
      VALUES (@project, @resourceId, @processId, @uniquifier, @creationMs, @expiryMs, @claimOwner, @claimToken)`,
    replaceClaim: `UPDATE ${t.checkpoints}
      SET creation_ms = @creationMs, expiry_ms = @expiryMs, claim_owner = @claimOwner, claim_token = @claimToken
      WHERE ${KEY_MATCH} AND claim_token = @token`,
    deleteClaim: `DELETE FROM ${t.checkpoints} WHERE ${KEY_MATCH} AND claim_token = @token`,
    // Two statements rather than `(@after IS NULL OR …)`, so that every page is an index seek.
    firstUniquifiers: `SELECT uniquifier FROM ${t.checkpoints}
      WHERE project = @project AND resource_id = @resourceId AND process_id = @processId
        AND claim_token IS NULL AND expiry_ms > @nowMs
      ORDER BY uniquifier LIMIT @limit`,
    nextUniquifiers: `SELECT uniquifier FROM ${t.checkpoints}
      WHERE project = @project AND resource_id = @resourceId AND process_id = @processId
        AND uniquifier > @after AND claim_token IS NULL AND expiry_ms > @nowMs
      ORDER BY uniquifier LIMIT @limit`,
    purgeResults: `DELETE FROM ${t.checkpointResults} WHERE (${KEY_COLUMNS}) IN
      (SELECT ${KEY_COLUMNS} FROM ${t.checkpoints} WHERE expiry_ms <= @nowMs)`,
    purge: `DELETE FROM ${t.checkpoints} WHERE expiry_ms <= @nowMs`,
    readAll: `SELECT ${COLUMNS}, fingerprint, result
      FROM ${t.checkpoints} LEFT JOIN ${t.checkpointResults} USING (${KEY_COLUMNS})`,
    deleteAll: `DELETE FROM ${t.checkpoints}`,
    deleteAllResults: `DELETE FROM ${t.checkpointResults}`,
  };

  const readIn = (db: BetterSqlite3.Database, key: NormalizedCheckpointKey) => {
    const row = prepared(db, sql.read).get(key) as CheckpointRow | undefined;
    return row ? toRecord(row) : null;
  };
  /** The record's results row follows it; `replacing` (the row read before) spares a DELETE. */
  const writeResultIn = (
    db: BetterSqlite3.Database,
    record: CheckpointRecord,
    replacing: CheckpointRecord | null,
  ): void => {
    if (hasExtras(record)) {
      prepared(db, sql.upsertResult).run({
        ...record.key,
        fingerprint: record.fingerprint ?? null,
        result: record.result ?? null,
      });
    } else if (hasExtras(replacing)) {
      prepared(db, sql.deleteResult).run(record.key);
    }
  };
  const writeIn = (
    db: BetterSqlite3.Database,
    record: CheckpointRecord,
    replacing: CheckpointRecord | null,
  ): void => {
    prepared(db, sql.upsert).run(toParams(record));
    writeResultIn(db, record, replacing);
  };
  /** The live record, or null after writing `record` over an absent or expired one. */
  const insertUnlessLiveIn = (
    db: BetterSqlite3.Database,
    record: CheckpointRecord,
    nowMs: number,
  ): CheckpointRecord | null => {
    const existing = readIn(db, record.key);
    if (existing && isLive(existing, nowMs)) return existing;
    writeIn(db, record, existing);
    return null;
  };

  return {
    read: (key) => connection.read('checkpoints.read', (db) => readIn(db, key)),

    insertUnlessLive: (record, nowMs) =>
      connection.write('checkpoints.insert', (tx) => insertUnlessLiveIn(tx, record, nowMs)),

    replaceClaim: (key, token, next) =>
      connection.write('checkpoints.claim', (tx) => {
        const changes = next
          ? prepared(tx, sql.replaceClaim).run({ ...toParams(next), token }).changes
          : prepared(tx, sql.deleteClaim).run({ ...key, token }).changes;
        if (changes !== 1) return false;
        if (next && hasExtras(next)) writeResultIn(tx, next, null);
        else prepared(tx, sql.deleteResult).run(key);
        return true;
      }),

    insertIn(tx, record, nowMs) {
      const db = requireOpenTx(tx);
      const live = translated(() => insertUnlessLiveIn(db, record, nowMs));
      if (live) throw alreadyExists(live);
    },

    runOnce(record, nowMs, work, completed) {
      // The row read before work runs, so that the write knows whether a results row is stale.
      let replacing: CheckpointRecord | null = null;
      return transactionalRunOnce(
        (body) => connection.write('checkpoints.runOnce', body),
        (db, key) => {
          replacing = readIn(db, key);
          return replacing;
        },
        // The user's work may have ended the transaction: refuse to write outside it.
        (tx, written) => {
          requireStillInTransaction(tx);
          writeIn(tx, written, replacing);
        },
        record,
        nowMs,
        work,
        completed,
      );
    },

    liveUniquifiers: (prefix, nowMs, page) =>
      connection.read('checkpoints.listUniquifiers', (db) => {
        const params = { ...prefix, nowMs, limit: page.limit };
        return (
          page.after === null
            ? prepared(db, sql.firstUniquifiers).pluck().all(params)
            : prepared(db, sql.nextUniquifiers)
                .pluck()
                .all({ ...params, after: page.after })
        ) as string[];
      }),

    purgeExpired: (nowMs) =>
      connection.write('checkpoints.purgeExpired', (tx) => {
        prepared(tx, sql.purgeResults).run({ nowMs });
        return prepared(tx, sql.purge).run({ nowMs }).changes;
      }),

    readAll: () =>
      connection.read('checkpoints.readAll', (db) =>
        (prepared(db, sql.readAll).all() as CheckpointRow[]).map(toRecord),
      ),

    replaceAll: (records) =>
      connection.write('checkpoints.replaceAll', (tx) => {
        prepared(tx, sql.deleteAll).run();
        prepared(tx, sql.deleteAllResults).run();
        for (const record of records) writeIn(tx, record, null);
      }),
  };
}
