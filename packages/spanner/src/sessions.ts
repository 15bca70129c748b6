/**
 * Commit sessions on Spanner (tables `<prefix>_session_kv`, `<prefix>_dataset_rows` and
 * `<prefix>_dataset_markers`, see ./schema.ts). `datasetApply` is one read-write transaction:
 * read the marker, core's `decideDatasetApply`, then buffer the changes, the new marker and the
 * user's onCommit writes — all committed together or not at all.
 */
import {
  compareUtf8,
  type DatasetMarker,
  decideDatasetApply,
  type SessionBackend,
} from '@checkpointkit/core';
import type { TableNames } from './schema.js';
import {
  bytesParam,
  query,
  type Row,
  type SpannerTransactions,
  type SpannerTx,
  toBytes,
} from './transactions.js';

const toMarker = (row: Row | undefined): DatasetMarker | null =>
  row ? { key: toBytes(row.LastKey), id: toBytes(row.LastId) } : null;

export function spannerSessions(
  spanner: SpannerTransactions,
  t: TableNames,
): SessionBackend<SpannerTx> {
  const sql = {
    kvGet: `SELECT Value FROM ${t.sessionKv} WHERE Namespace = @namespace AND ItemKey = @key`,
    rowGet: `SELECT Value FROM ${t.datasetRows} WHERE Dataset = @dataset AND ItemKey = @key`,
    rowKeys: `SELECT ItemKey FROM ${t.datasetRows} WHERE Dataset = @dataset`,
    marker: `SELECT LastKey, LastId FROM ${t.datasetMarkers} WHERE Dataset = @dataset`,
  };
  const storedValue = async (
    operation: string,
    text: string,
    params: Record<string, string>,
  ): Promise<Uint8Array | null> =>
    spanner.read(operation, async (db) => {
      const [row] = await query(db, { sql: text, params });
      return row ? toBytes(row.Value) : null;
    });

  return {
    kvGet: (namespace, key) => storedValue('sessions.kv.get', sql.kvGet, { namespace, key }),
    kvSet: (namespace, key, value) =>
      spanner.write('sessions.kv.set', async (tx, tally) => {
        const row = { Namespace: namespace, ItemKey: key, Value: bytesParam(value) };
        tally.row(Object.values(row));
        tx.upsert(t.sessionKv, row);
      }),
    kvDelete: (namespace, key) =>
      spanner.write('sessions.kv.delete', async (tx, tally) => {
        tally.deletions(1);
        tx.deleteRows(t.sessionKv, [[namespace, key]]);
      }),

    datasetGet: (dataset, key) => storedValue('sessions.dataset.get', sql.rowGet, { dataset, key }),
    datasetKeys: (dataset) =>
      spanner.read('sessions.dataset.keys', async (db) =>
        (await query(db, { sql: sql.rowKeys, params: { dataset } }))
          .map((r) => r.ItemKey as string)
          .sort(compareUtf8),
      ),
    datasetMarker: (dataset) =>
      spanner.read('sessions.dataset.marker', async (db) =>
        toMarker((await query(db, { sql: sql.marker, params: { dataset } }))[0]),
      ),

    datasetApply: (dataset, changes, marker, monotonicKeys, onCommit) =>
      spanner.write('sessions.dataset.commit', async (tx, tally) => {
        const [row] = await query(tx, { sql: sql.marker, params: { dataset } });
        const appliedId = decideDatasetApply(dataset, toMarker(row), marker.key, monotonicKeys);
        if (appliedId) return { applied: false as const, id: appliedId };
        const deleted: string[][] = [];
        for (const { key, value } of changes) {
          if (value === null) {
            deleted.push([dataset, key]);
            continue;
          }
          const change = { Dataset: dataset, ItemKey: key, Value: bytesParam(value) };
          tally.row(Object.values(change));
          tx.upsert(t.datasetRows, change);
        }
        if (deleted.length > 0) {
          tally.deletions(deleted.length);
          tx.deleteRows(t.datasetRows, deleted);
        }
        const markerRow = {
          Dataset: dataset,
          LastKey: bytesParam(marker.key),
          LastId: bytesParam(marker.id),
        };
        tally.row(Object.values(markerRow));
        tx.upsert(t.datasetMarkers, markerRow);
        await onCommit?.(tx, changes);
        return { applied: true as const };
      }),
  };
}
