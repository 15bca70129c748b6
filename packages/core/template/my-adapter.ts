/**
 * my-adapter — a checkpointkit adapter that starts with one primitive. Copy this folder to start
 * yours: replace the Maps with your store, keep the conformance test next to it, and add the
 * other backends (OperationBackend, GroupBackend, SessionBackend, NodeBackend) one at a time.
 * Each backend you hand to composeAdapter brings the public API for its primitive, and its cases
 * in the conformance suite; the primitives you have not written yet throw NotImplementedError.
 *
 * The store, as your database would hold it:
 *   checkpoints  encodeKey(project, resourceId, processId, uniquifier) → CheckpointRecord
 *   user         your users' own rows, written through MyTx in the same transaction
 */
import {
  type Adapter,
  alreadyExists,
  type CheckpointBackend,
  type CheckpointRecord,
  type CommonAdapterOptions,
  compareUtf8,
  composeAdapter,
  encodeKey,
  isLive,
  type NormalizedCheckpointKey,
  resolveAdapterOptions,
  transactionalRunOnce,
} from '@checkpointkit/core';

/** Two Maps, and a lock so that transactions run one at a time. */
export class MyStore {
  readonly checkpoints = new Map<string, CheckpointRecord>();
  readonly user = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` alone on the store; its writes reach the Maps only if it returns. */
  transaction<T>(work: (tx: MyTx) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const tx = new MyTx(this);
      const value = await work(tx);
      tx.commit();
      return value;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A transaction: it reads its own writes, which are buffered until it commits. */
export class MyTx {
  private readonly checkpointWrites = new Map<string, CheckpointRecord | null>();
  private readonly userWrites = new Map<string, string>();

  constructor(private readonly store: MyStore) {}

  /** Your users' own rows: committed atomically with the checkpoints written in this tx. */
  get(key: string): string | null {
    return this.userWrites.get(key) ?? this.store.user.get(key) ?? null;
  }

  set(key: string, value: string): void {
    this.userWrites.set(key, value);
  }

  readCheckpoint(rowKey: string): CheckpointRecord | null {
    const written = this.checkpointWrites.get(rowKey);
    return written !== undefined ? written : (this.store.checkpoints.get(rowKey) ?? null);
  }

  /** Writes `record` under `rowKey`, or deletes the row when it is null. */
  writeCheckpoint(rowKey: string, record: CheckpointRecord | null): void {
    this.checkpointWrites.set(rowKey, record);
  }

  commit(): void {
    for (const [rowKey, record] of this.checkpointWrites) {
      if (record) this.store.checkpoints.set(rowKey, record);
      else this.store.checkpoints.delete(rowKey);
    }
    for (const [key, value] of this.userWrites) this.store.user.set(key, value);
  }
}

/** Never join key parts by hand: encodeKey escapes each part, so ("a:b","c") ≠ ("a","b:c"). */
const rowKey = (key: NormalizedCheckpointKey): string =>
  encodeKey([key.project, key.resourceId, key.processId, key.uniquifier]);

/** Each method is one atomic step, as its JSDoc in CheckpointBackend states it. */
function myCheckpoints(store: MyStore): CheckpointBackend<MyTx> {
  const insertUnlessLiveIn = (
    tx: MyTx,
    record: CheckpointRecord,
    nowMs: number,
  ): CheckpointRecord | null => {
    const existing = tx.readCheckpoint(rowKey(record.key));
    if (existing && isLive(existing, nowMs)) return existing;
    tx.writeCheckpoint(rowKey(record.key), record);
    return null;
  };
  return {
    read: async (key) => store.checkpoints.get(rowKey(key)) ?? null,
    insertUnlessLive: (record, nowMs) =>
      store.transaction(async (tx) => insertUnlessLiveIn(tx, record, nowMs)),
    replaceClaim: (key, token, next) =>
      store.transaction(async (tx) => {
        if (tx.readCheckpoint(rowKey(key))?.claim?.token !== token) return false;
        tx.writeCheckpoint(rowKey(key), next);
        return true;
      }),
    insertIn: (tx, record, nowMs) => {
      const live = insertUnlessLiveIn(tx, record, nowMs);
      if (live) throw alreadyExists(live);
    },
    runOnce: (record, nowMs, work, completed) =>
      transactionalRunOnce(
        (body) => store.transaction(body),
        (tx, key) => tx.readCheckpoint(rowKey(key)),
        (tx, written) => tx.writeCheckpoint(rowKey(written.key), written),
        record,
        nowMs,
        work,
        completed,
      ),
    liveUniquifiers: async (prefix, nowMs, page) =>
      [...store.checkpoints.values()]
        .filter(
          (r) =>
            r.key.project === prefix.project &&
            r.key.resourceId === prefix.resourceId &&
            r.key.processId === prefix.processId &&
            !r.claim &&
            isLive(r, nowMs) &&
            (page.after === null || compareUtf8(r.key.uniquifier, page.after) > 0),
        )
        .map((r) => r.key.uniquifier)
        .sort(compareUtf8)
        .slice(0, page.limit),
    purgeExpired: (nowMs) =>
      store.transaction(async (tx) => {
        let purged = 0;
        for (const [key, record] of store.checkpoints) {
          if (isLive(record, nowMs)) continue;
          tx.writeCheckpoint(key, null);
          purged++;
        }
        return purged;
      }),
    readAll: async () => [...store.checkpoints.values()],
    replaceAll: (records) =>
      store.transaction(async (tx) => {
        for (const key of store.checkpoints.keys()) tx.writeCheckpoint(key, null);
        for (const record of records) tx.writeCheckpoint(rowKey(record.key), record);
      }),
  };
}

export interface MyAdapterOptions extends CommonAdapterOptions {
  /** Share one store between adapters to model several processes on one database. */
  readonly store?: MyStore;
}

export interface MyAdapter extends Adapter<MyTx> {
  readonly store: MyStore;
}

export function createMyAdapter(options: MyAdapterOptions = {}): MyAdapter {
  const store = options.store ?? new MyStore();
  const adapter = composeAdapter<MyTx>({
    name: 'my-adapter',
    options: resolveAdapterOptions(options),
    checkpoints: myCheckpoints(store),
    // Next: operations: myOperations(store), then groups, sessions, nodes.
    transaction: (work) => store.transaction(work),
    setup: async () => {},
    close: async () => {},
  });
  return { ...adapter, store };
}
