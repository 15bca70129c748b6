/** Run-once checkpoints in memory: table "checkpoints", key = encodeKey(project, resourceId, processId, uniquifier). */
import { compareUtf8 } from '../bytes.js';
import type { CheckpointBackend, CheckpointRecord } from '../checkpoints/backend.js';
import { alreadyExists, isLive, transactionalRunOnce } from '../checkpoints/store.js';
import type { NormalizedCheckpointKey } from '../checkpoints/types.js';
import { encodeKey } from '../key-encoding.js';
import type { MemoryRows, MemoryStore, MemoryTx } from './memory-store.js';

const TABLE = 'checkpoints';

const rowKey = (k: NormalizedCheckpointKey): string =>
  encodeKey([k.project, k.resourceId, k.processId, k.uniquifier]);

function insertUnlessLiveIn(
  rows: MemoryRows,
  record: CheckpointRecord,
  nowMs: number,
): CheckpointRecord | null {
  const existing = rows.get<CheckpointRecord>(TABLE, rowKey(record.key));
  if (existing && isLive(existing, nowMs)) return existing;
  rows.put(TABLE, rowKey(record.key), record);
  return null;
}

export function memoryCheckpoints(
  store: MemoryStore,
  transaction: <T>(work: (tx: MemoryTx) => Promise<T>) => Promise<T>,
): CheckpointBackend<MemoryTx> {
  return {
    async read(key) {
      return (store.table(TABLE).get(rowKey(key)) as CheckpointRecord | undefined) ?? null;
    },
    insertUnlessLive(record, nowMs) {
      return store.transaction((rows) => insertUnlessLiveIn(rows, record, nowMs));
    },
    replaceClaim(key, token, next) {
      return store.transaction((rows) => {
        const existing = rows.get<CheckpointRecord>(TABLE, rowKey(key));
        if (existing?.claim?.token !== token) return false;
        if (next) rows.put(TABLE, rowKey(key), next);
        else rows.remove(TABLE, rowKey(key));
        return true;
      });
    },
    insertIn(tx, record, nowMs) {
      const live = insertUnlessLiveIn(tx.rows, record, nowMs);
      if (live) throw alreadyExists(live);
    },
    runOnce(record, nowMs, work, completed) {
      return transactionalRunOnce(
        transaction,
        (tx, key) => tx.rows.get<CheckpointRecord>(TABLE, rowKey(key)) ?? null,
        (tx, r) => tx.rows.put(TABLE, rowKey(r.key), r),
        record,
        nowMs,
        work,
        completed,
      );
    },
    async liveUniquifiers(prefix, nowMs, page) {
      const found: string[] = [];
      for (const record of store.table(TABLE).values() as IterableIterator<CheckpointRecord>) {
        const k = record.key;
        if (
          k.project !== prefix.project ||
          k.resourceId !== prefix.resourceId ||
          k.processId !== prefix.processId
        )
          continue;
        if (record.claim || !isLive(record, nowMs)) continue;
        if (page.after !== null && compareUtf8(k.uniquifier, page.after) <= 0) continue;
        found.push(k.uniquifier);
      }
      return found.sort(compareUtf8).slice(0, page.limit);
    },
    purgeExpired(nowMs) {
      return store.transaction((rows) => {
        let purged = 0;
        for (const [key, record] of rows.entries<CheckpointRecord>(TABLE)) {
          if (!isLive(record, nowMs)) {
            rows.remove(TABLE, key);
            purged++;
          }
        }
        return purged;
      });
    },
    async readAll() {
      return [...(store.table(TABLE).values() as IterableIterator<CheckpointRecord>)];
    },
    replaceAll(records) {
      return store.transaction((rows) => {
        for (const [key] of rows.entries(TABLE)) rows.remove(TABLE, key);
        for (const r of records) rows.put(TABLE, rowKey(r.key), r);
      });
    },
  };
}
