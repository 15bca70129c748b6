/**
 * Commit sessions on SQLite (tables `<prefix>_session_kv`, `<prefix>_dataset_rows` and
 * `<prefix>_dataset_markers`, see ./schema.ts). `datasetApply` is one BEGIN IMMEDIATE
 * transaction: read the marker, core's `decideDatasetApply`, then the changes, the new marker and
 * the user's onCommit — all committed together or not at all.
 */
import { type DatasetMarker, decideDatasetApply, type SessionBackend } from '@checkpointkit/core';
import { blobBytes, blobBytesOrNull } from './blob.js';
import { prepared, type SqliteConnection, type SqliteTx } from './connection.js';
import type { TableNames } from './schema.js';

interface MarkerRow {
  readonly last_key: Uint8Array;
  readonly last_id: Uint8Array;
}

const toMarker = (row: MarkerRow | undefined): DatasetMarker | null =>
  row ? { key: blobBytes(row.last_key), id: blobBytes(row.last_id) } : null;

export function sqliteSessions(
  connection: SqliteConnection,
  t: TableNames,
): SessionBackend<SqliteTx> {
  const sql = {
    kvGet: `SELECT value FROM ${t.sessionKv} WHERE namespace = @namespace AND key = @key`,
    kvSet: `INSERT INTO ${t.sessionKv} (namespace, key, value) VALUES (@namespace, @key, @value)
      ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`,
    kvDelete: `DELETE FROM ${t.sessionKv} WHERE namespace = @namespace AND key = @key`,
    rowGet: `SELECT value FROM ${t.datasetRows} WHERE dataset = @dataset AND key = @key`,
    rowKeys: `SELECT key FROM ${t.datasetRows} WHERE dataset = @dataset ORDER BY key`,
    rowSet: `INSERT INTO ${t.datasetRows} (dataset, key, value) VALUES (@dataset, @key, @value)
      ON CONFLICT (dataset, key) DO UPDATE SET value = excluded.value`,
    rowDelete: `DELETE FROM ${t.datasetRows} WHERE dataset = @dataset AND key = @key`,
    marker: `SELECT last_key, last_id FROM ${t.datasetMarkers} WHERE dataset = @dataset`,
    setMarker: `INSERT INTO ${t.datasetMarkers} (dataset, last_key, last_id) VALUES (@dataset, @key, @id)
      ON CONFLICT (dataset) DO UPDATE SET last_key = excluded.last_key, last_id = excluded.last_id`,
  };

  return {
    kvGet: (namespace, key) =>
      connection.read('sessions.kv.get', (db) =>
        blobBytesOrNull(prepared(db, sql.kvGet).pluck().get({ namespace, key })),
      ),
    kvSet: (namespace, key, value) =>
      connection.write('sessions.kv.set', (tx) => {
        prepared(tx, sql.kvSet).run({ namespace, key, value });
      }),
    kvDelete: (namespace, key) =>
      connection.write('sessions.kv.delete', (tx) => {
        prepared(tx, sql.kvDelete).run({ namespace, key });
      }),

    datasetGet: (dataset, key) =>
      connection.read('sessions.dataset.get', (db) =>
        blobBytesOrNull(prepared(db, sql.rowGet).pluck().get({ dataset, key })),
      ),
    datasetKeys: (dataset) =>
      connection.read(
        'sessions.dataset.keys',
        (db) => prepared(db, sql.rowKeys).pluck().all({ dataset }) as string[],
      ),
    datasetMarker: (dataset) =>
      connection.read('sessions.dataset.marker', (db) =>
        toMarker(prepared(db, sql.marker).get({ dataset }) as MarkerRow | undefined),
      ),

    datasetApply: (dataset, changes, marker, monotonicKeys, onCommit) =>
      connection.write('sessions.dataset.commit', async (tx) => {
        const stored = toMarker(prepared(tx, sql.marker).get({ dataset }) as MarkerRow | undefined);
        const appliedId = decideDatasetApply(dataset, stored, marker.key, monotonicKeys);
        if (appliedId) return { applied: false as const, id: appliedId };
        for (const { key, value } of changes) {
          if (value === null) prepared(tx, sql.rowDelete).run({ dataset, key });
          else prepared(tx, sql.rowSet).run({ dataset, key, value });
        }
        prepared(tx, sql.setMarker).run({ dataset, key: marker.key, id: marker.id });
        await onCommit?.(tx, changes);
        return { applied: true as const };
      }),
  };
}
