/**
 * Run-once checkpoints on Spanner (table `<prefix>_checkpoints`, see ./schema.ts): one row per
 * key, led by a hash of (project, resourceId). Every write is one read-write transaction that
 * reads the key and buffers its mutation; runOnce reads the key, runs the user's work with the
 * same Transaction and buffers the checkpoint insert, so both commit together or not at all.
 */
import {
  alreadyExists,
  BackendError,
  type CheckpointBackend,
  type CheckpointRecord,
  encodeKey,
  isLive,
  type NormalizedCheckpointKey,
  sha256Hex,
  transactionalRunOnce,
  utf8Encode,
  ValidationError,
} from '@checkpointkit/core';
import type { CommitTally } from './limits.js';
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
} from './transactions.js';

const COLUMNS = [
  'ResourceHash',
  'Project',
  'ResourceId',
  'ProcessId',
  'Uniquifier',
  'CreationMs',
  'ExpiryMs',
  'ExpiryTime',
  'ClaimOwner',
  'ClaimToken',
  'Fingerprint',
  'Result',
] as const;

/** Rows deleted per transaction by purgeExpired: far under the mutation limit. */
const PURGE_BATCH = 2_000;

/** Spanner TIMESTAMP's range; ExpiryTime (GC only) is clamped into it. */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/** The leading key column: spreads keys evenly, keeps one resource's keys adjacent. */
export function resourceHash(project: string, resourceId: string): string {
  return sha256Hex(utf8Encode(encodeKey([project, resourceId]))).slice(0, 16);
}

function keyParams(key: Omit<NormalizedCheckpointKey, 'uniquifier'>): Record<string, string> {
  return {
    hash: resourceHash(key.project, key.resourceId),
    project: key.project,
    resourceId: key.resourceId,
    processId: key.processId,
  };
}

function toRecord(row: Row): CheckpointRecord {
  const token = row.ClaimToken as string | null;
  const fingerprint = row.Fingerprint as string | null;
  const result = row.Result as Uint8Array | null;
  return {
    ...(fingerprint !== null ? { fingerprint } : {}),
    ...(result !== null ? { result: toBytes(result) } : {}),
    key: {
      project: row.Project as string,
      resourceId: row.ResourceId as string,
      processId: row.ProcessId as string,
      uniquifier: row.Uniquifier as string,
    },
    creationMs: toNumber(row.CreationMs),
    expiryMs: toNumber(row.ExpiryMs),
    claim: token === null ? undefined : { owner: (row.ClaimOwner as string | null) ?? '', token },
  };
}

function toRow(record: CheckpointRecord): Record<(typeof COLUMNS)[number], unknown> {
  const { key } = record;
  return {
    ResourceHash: resourceHash(key.project, key.resourceId),
    Project: key.project,
    ResourceId: key.resourceId,
    ProcessId: key.processId,
    Uniquifier: key.uniquifier,
    CreationMs: int64(record.creationMs),
    ExpiryMs: int64(record.expiryMs),
    ExpiryTime: new Date(Math.min(MAX_TIMESTAMP_MS, Math.max(MIN_TIMESTAMP_MS, record.expiryMs))),
    ClaimOwner: record.claim?.owner ?? null,
    ClaimToken: record.claim?.token ?? null,
    Fingerprint: record.fingerprint ?? null,
    Result: record.result ? bytesParam(record.result) : null,
  };
}

/** A Transaction a caller hands to insertIn: one of ours (or the client's), still open. */
function requireOpenTx(tx: unknown): SpannerTx {
  const candidate = tx as Partial<SpannerTx> | null;
  if (
    typeof candidate?.run !== 'function' ||
    typeof candidate.upsert !== 'function' ||
    typeof candidate.commit !== 'function' ||
    candidate.ended === true
  ) {
    throw new ValidationError(
      'tx',
      'must be the Spanner Transaction a transaction callback received (adapter.transaction, runOnce, …), while it runs',
    );
  }
  return tx as SpannerTx;
}

export function spannerCheckpoints(
  spanner: SpannerTransactions,
  t: TableNames,
): CheckpointBackend<SpannerTx> {
  const cols = COLUMNS.join(', ');
  const keyMatch =
    'ResourceHash = @hash AND Project = @project AND ResourceId = @resourceId AND ProcessId = @processId';
  const sql = {
    read: `SELECT ${cols} FROM ${t.checkpoints} WHERE ${keyMatch} AND Uniquifier = @uniquifier`,
    firstUniquifiers: `SELECT Uniquifier FROM ${t.checkpoints}
      WHERE ${keyMatch} AND ClaimToken IS NULL AND ExpiryMs > @nowMs
      ORDER BY Uniquifier LIMIT @limit`,
    nextUniquifiers: `SELECT Uniquifier FROM ${t.checkpoints}
      WHERE ${keyMatch} AND Uniquifier > @after AND ClaimToken IS NULL AND ExpiryMs > @nowMs
      ORDER BY Uniquifier LIMIT @limit`,
    expired: `SELECT ResourceHash, Project, ResourceId, ProcessId, Uniquifier FROM ${t.checkpoints}
      WHERE ExpiryMs <= @nowMs LIMIT ${PURGE_BATCH}`,
    readAll: `SELECT ${cols} FROM ${t.checkpoints}`,
    deleteAll: `DELETE FROM ${t.checkpoints} WHERE TRUE`,
  };

  const readIn = async (
    on: SpannerTx | SpannerTransactions['database'],
    key: NormalizedCheckpointKey,
  ): Promise<CheckpointRecord | null> => {
    const rows = await query(on, {
      sql: sql.read,
      params: { ...keyParams(key), uniquifier: key.uniquifier },
    });
    return rows[0] ? toRecord(rows[0]) : null;
  };
  const writeIn = (tx: SpannerTx, tally: CommitTally | null, record: CheckpointRecord): void => {
    const row = toRow(record);
    tally?.row(Object.values(row));
    tx.upsert(t.checkpoints, row);
  };
  const insertUnlessLiveIn = async (
    tx: SpannerTx,
    tally: CommitTally | null,
    record: CheckpointRecord,
    nowMs: number,
  ): Promise<CheckpointRecord | null> => {
    const existing = await readIn(tx, record.key);
    if (existing && isLive(existing, nowMs)) return existing;
    writeIn(tx, tally, record);
    return null;
  };
  const keyOf = (key: NormalizedCheckpointKey): string[] => [
    resourceHash(key.project, key.resourceId),
    key.project,
    key.resourceId,
    key.processId,
    key.uniquifier,
  ];

  return {
    read: (key) => spanner.read('checkpoints.read', (db) => readIn(db, key)),

    insertUnlessLive: (record, nowMs) =>
      spanner.write('checkpoints.insert', (tx, tally) =>
        insertUnlessLiveIn(tx, tally, record, nowMs),
      ),

    replaceClaim: (key, token, next) =>
      spanner.write('checkpoints.claim', async (tx, tally) => {
        const stored = await readIn(tx, key);
        if (stored?.claim?.token !== token) return false;
        if (next) writeIn(tx, tally, next);
        else {
          tally.deletions(1);
          tx.deleteRows(t.checkpoints, [keyOf(key)]);
        }
        return true;
      }),

    async insertIn(tx, record, nowMs) {
      const open = requireOpenTx(tx);
      let live: CheckpointRecord | null;
      try {
        live = await insertUnlessLiveIn(open, null, record, nowMs);
      } catch (error) {
        throw spanner.translate(error, 'checkpoints.insertIn');
      }
      if (live) throw alreadyExists(live);
    },

    runOnce: (record, nowMs, work, completed) =>
      spanner.write('checkpoints.runOnce', (tx, tally) =>
        transactionalRunOnce(
          (body) => body(tx),
          readIn,
          (inTx, r) => {
            if (inTx.ended) {
              // As every write through spanner.write reports it (./transactions.ts).
              throw new BackendError(
                'checkpoints.runOnce: the transaction was ended inside its callback (commit or rollback on the tx); write through it, do not end it',
              );
            }
            writeIn(inTx, tally, r);
          },
          record,
          nowMs,
          work,
          completed,
        ),
      ),

    liveUniquifiers: (prefix, nowMs, page) =>
      spanner.read('checkpoints.listUniquifiers', async (db) => {
        const params = { ...keyParams(prefix), nowMs: int64(nowMs), limit: int64(page.limit) };
        const rows =
          page.after === null
            ? await query(db, { sql: sql.firstUniquifiers, params })
            : await query(db, {
                sql: sql.nextUniquifiers,
                params: { ...params, after: page.after },
              });
        return rows.map((r) => r.Uniquifier as string);
      }),

    async purgeExpired(nowMs) {
      let purged = 0;
      for (;;) {
        const deleted = await spanner.write('checkpoints.purgeExpired', async (tx, tally) => {
          const rows = await query(tx, { sql: sql.expired, params: { nowMs: int64(nowMs) } });
          if (rows.length > 0) {
            tally.deletions(rows.length);
            tx.deleteRows(
              t.checkpoints,
              rows.map((r) => [
                r.ResourceHash as string,
                r.Project as string,
                r.ResourceId as string,
                r.ProcessId as string,
                r.Uniquifier as string,
              ]),
            );
          }
          return rows.length;
        });
        purged += deleted;
        if (deleted < PURGE_BATCH) return purged;
      }
    },

    readAll: () =>
      spanner.read('checkpoints.readAll', async (db) =>
        (await query(db, { sql: sql.readAll })).map(toRecord),
      ),

    replaceAll: (records) =>
      spanner.write('checkpoints.replaceAll', async (tx, tally) => {
        tally.deletions(await tx.runUpdate(sql.deleteAll).then(([n]) => n));
        for (const record of records) writeIn(tx, tally, record);
      }),
  };
}
