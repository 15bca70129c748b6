/**
 * Commit sessions in memory.
 *   "sessionKv"       encodeKey(namespace, key) → bytes
 *   "datasetMarkers"  dataset → { key, id }
 *   "datasetRows"     encodeKey(dataset, key) → bytes
 */
import { compareUtf8, copyBytes } from '../bytes.js';
import { decodeKey, encodeKey, encodeKeyPart } from '../key-encoding.js';
import { decideDatasetApply, type SessionBackend } from '../sessions/backend.js';
import type { DatasetMarker } from '../sessions/types.js';
import type { MemoryStore, MemoryTx } from './memory-store.js';

const KV = 'sessionKv';
const MARKERS = 'datasetMarkers';
const ROWS = 'datasetRows';

export function memorySessions(
  store: MemoryStore,
  transaction: <T>(work: (tx: MemoryTx) => Promise<T>) => Promise<T>,
): SessionBackend<MemoryTx> {
  const copyOrNull = (bytes: Uint8Array | undefined): Uint8Array | null =>
    bytes ? copyBytes(bytes) : null;
  return {
    kvGet: (ns, key) =>
      store.read((rows) => copyOrNull(rows.get<Uint8Array>(KV, encodeKey([ns, key])))),
    kvSet: (ns, key, value) =>
      store.transaction((rows) => rows.put(KV, encodeKey([ns, key]), copyBytes(value))),
    kvDelete: (ns, key) => store.transaction((rows) => rows.remove(KV, encodeKey([ns, key]))),
    datasetGet: (dataset, key) =>
      store.read((rows) => copyOrNull(rows.get<Uint8Array>(ROWS, encodeKey([dataset, key])))),
    datasetKeys: (dataset) =>
      store.read((rows) => {
        const prefix = `${encodeKeyPart(dataset)}:`;
        return rows
          .entries(ROWS)
          .filter(([key]) => key.startsWith(prefix))
          .map(([key]) => decodeKey(key)[1] as string)
          .sort(compareUtf8);
      }),
    datasetMarker: (dataset) =>
      store.read((rows) => {
        const marker = rows.get<DatasetMarker>(MARKERS, dataset);
        return marker ? { key: copyBytes(marker.key), id: copyBytes(marker.id) } : null;
      }),
    datasetApply(dataset, changes, marker, monotonicKeys, onCommit) {
      return transaction(async (tx) => {
        const stored = tx.rows.get<DatasetMarker>(MARKERS, dataset) ?? null;
        const appliedId = decideDatasetApply(dataset, stored, marker.key, monotonicKeys);
        if (appliedId) return { applied: false as const, id: appliedId };
        for (const change of changes) {
          const key = encodeKey([dataset, change.key]);
          if (change.value === null) tx.rows.remove(ROWS, key);
          else tx.rows.put(ROWS, key, copyBytes(change.value));
        }
        tx.rows.put(MARKERS, dataset, { key: copyBytes(marker.key), id: copyBytes(marker.id) });
        await onCommit?.(tx, changes);
        return { applied: true as const };
      });
    },
  };
}
