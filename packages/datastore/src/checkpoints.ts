/**
 * Run-once checkpoints on Datastore: one `Checkpoint` entity per key, under the ancestor path
 * project → resourceId → processId (see ./kinds.ts), so that a key is injective by construction,
 * the uniquifiers of one (project, resourceId, processId) are one strongly consistent ancestor
 * query in key order, and a project is one entity group. Every write is one transaction that
 * looks the key up first; runOnce runs the user's work inside that same transaction.
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
import { type Key, PropertyFilter, type Transaction } from '@google-cloud/datastore';
import {
  bytesOf,
  type DatastoreConnection,
  type DatastoreTx,
  type EntityWrite,
  indexed,
  keyId,
  newWriteId,
  type StoredEntity,
  stored,
} from './connection.js';
import { scopeNameOf, scopeOfName, sortableNameOf, userStringOfSortableName } from './kinds.js';
import { translateDatastoreError } from './translate-error.js';

/** Entity groups one purge transaction may touch (Datastore's limit is 25). */
const PURGE_GROUPS_PER_TRANSACTION = 25;
const PURGE_KEYS_PER_TRANSACTION = 250;

/**
 * The Tx a user hands to insertIn must be a Datastore Transaction (the one a transaction callback
 * received): a plain Datastore would write outside any transaction.
 */
function requireTransaction(tx: unknown): DatastoreTx {
  // By shape rather than instanceof (the client may be loaded twice): a Transaction buffers its
  // mutations in modifiedEntities_ until commit; a Datastore has neither.
  const candidate = tx as Partial<Transaction> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.commit !== 'function' ||
    typeof candidate.save !== 'function' ||
    !Array.isArray(candidate.modifiedEntities_) ||
    candidate.readOnly === true
  ) {
    throw new ValidationError(
      'tx',
      'must be the Datastore Transaction a transaction callback received (adapter.transaction, runOnce, …)',
    );
  }
  return tx as DatastoreTx;
}

export function datastoreCheckpoints(c: DatastoreConnection): CheckpointBackend<DatastoreTx> {
  const k = c.kinds;
  const scopePath = (p: Omit<NormalizedCheckpointKey, 'uniquifier'>): string[] => [
    k.CheckpointScope,
    scopeNameOf(p.project, p.processId, p.resourceId),
  ];
  const keyFor = (key: NormalizedCheckpointKey): Key =>
    c.key([...scopePath(key), k.Checkpoint, sortableNameOf(key.uniquifier)]);

  const toWrite = (record: CheckpointRecord, writeId: string): EntityWrite => ({
    key: keyFor(record.key),
    data: [
      stored('writeId', writeId),
      stored('creationMs', record.creationMs),
      indexed('expiryMs', record.expiryMs),
      // A timestamp for a Firestore TTL policy (README): garbage collection only, since expiry
      // is always checked on read against the adapter's clock.
      stored('expireAt', new Date(record.expiryMs)),
      stored('claimOwner', record.claim?.owner ?? null),
      stored('claimToken', record.claim?.token ?? null),
      // Idempotent results (core caps them at 512 KiB, inside one entity) and the sha256 hex of
      // the request's fingerprint; absent on records written without them.
      ...(record.result === undefined ? [] : [stored('result', record.result)]),
      ...(record.fingerprint === undefined ? [] : [stored('fingerprint', record.fingerprint)]),
    ],
  });

  const toRecord = (entity: StoredEntity): CheckpointRecord => {
    const path = c.keyOf(entity).path as string[];
    const scope = scopeOfName(path[1] as string);
    const token = entity.claimToken;
    return {
      key: {
        ...scope,
        uniquifier: userStringOfSortableName(path[3] as string),
      },
      creationMs: entity.creationMs as number,
      expiryMs: entity.expiryMs as number,
      claim:
        typeof token === 'string' ? { owner: String(entity.claimOwner ?? ''), token } : undefined,
      result: entity.result instanceof Uint8Array ? bytesOf(entity.result) : undefined,
      fingerprint: typeof entity.fingerprint === 'string' ? entity.fingerprint : undefined,
    };
  };

  const readIn = async (
    tx: DatastoreTx | undefined,
    key: NormalizedCheckpointKey,
  ): Promise<CheckpointRecord | null> => {
    const entity = await c.get('checkpoints.read', keyFor(key), tx);
    return entity ? toRecord(entity) : null;
  };

  /** The live record, or null after writing `record` over an absent or expired one. */
  const insertUnlessLiveIn = async (
    tx: DatastoreTx,
    record: CheckpointRecord,
    nowMs: number,
    writeId: string,
  ): Promise<CheckpointRecord | null> => {
    const existing = await readIn(tx, record.key);
    if (existing && isLive(existing, nowMs)) return existing;
    c.save(tx, 'checkpoint', toWrite(record, writeId));
    return null;
  };

  /** Settles a lost commit reply: is the stored record the one this attempt wrote? */
  const wrote = async (key: NormalizedCheckpointKey, writeId: string): Promise<boolean> =>
    (await c.get('checkpoints.readBack', keyFor(key)))?.writeId === writeId;

  return {
    read: (key) => readIn(undefined, key),

    insertUnlessLive(record, nowMs) {
      let writeId = '';
      return c.transaction(
        'checkpoints.insert',
        (tx) => {
          writeId = newWriteId();
          return insertUnlessLiveIn(tx, record, nowMs, writeId);
        },
        () => wrote(record.key, writeId),
      );
    },

    replaceClaim(key, token, next) {
      let writeId = '';
      return c.transaction(
        'checkpoints.claim',
        async (tx) => {
          const current = await readIn(tx, key);
          if (current?.claim?.token !== token) return false;
          writeId = newWriteId();
          if (next) c.save(tx, 'checkpoint', toWrite(next, writeId));
          else tx.delete(keyFor(key));
          return true;
        },
        // A lost delete cannot be told from a later writer's: that outcome stays unknown.
        async () => next !== null && (await wrote(key, writeId)),
      );
    },

    async insertIn(tx, record, nowMs) {
      const transaction = requireTransaction(tx);
      let live: CheckpointRecord | null;
      try {
        live = await insertUnlessLiveIn(transaction, record, nowMs, newWriteId());
      } catch (error) {
        throw translateDatastoreError(error, {
          operation: 'checkpoints.insertIn',
          committing: false,
        });
      }
      if (live) throw alreadyExists(live);
    },

    runOnce(record, nowMs, work, completed) {
      let writeId = '';
      return transactionalRunOnce(
        (body) => c.transaction('checkpoints.runOnce', body, () => wrote(record.key, writeId)),
        readIn,
        (tx, rec) => {
          writeId = newWriteId();
          c.save(tx, 'checkpoint', toWrite(rec, writeId));
        },
        record,
        nowMs,
        work,
        completed,
      );
    },

    async liveUniquifiers(prefix, nowMs, page) {
      // An ancestor query in key order: strongly consistent, and each page starts where the last
      // one ended. Expired and claimed records are skipped here, so a page may take more reads.
      const ancestor = c.key(scopePath(prefix));
      const found: string[] = [];
      let after = page.after;
      for (;;) {
        let query = c.query(k.Checkpoint).hasAncestor(ancestor).order('__key__').limit(page.limit);
        if (after !== null) {
          query = query.filter(
            new PropertyFilter(
              '__key__',
              '>',
              c.key([...scopePath(prefix), k.Checkpoint, sortableNameOf(after)]),
            ),
          );
        }
        const entities = await c.run('checkpoints.listUniquifiers', query);
        for (const entity of entities) {
          const record = toRecord(entity);
          if (!record.claim && isLive(record, nowMs)) found.push(record.key.uniquifier);
          if (found.length === page.limit) return found;
        }
        if (entities.length < page.limit) return found;
        after = toRecord(entities[entities.length - 1] as StoredEntity).key.uniquifier;
      }
    },

    async purgeExpired(nowMs) {
      // The query finds candidates (it may be eventually consistent: purging is garbage
      // collection); each delete is re-checked in a transaction, so a key inserted again since
      // is never deleted.
      const candidates = await c.keys(
        'checkpoints.purgeExpired',
        c.query(k.Checkpoint).filter(new PropertyFilter('expiryMs', '<=', nowMs)),
      );
      let purged = 0;
      for (const batch of byEntityGroups(candidates)) {
        purged += await c.transaction('checkpoints.purgeExpired', async (tx) => {
          const current = await c.lookup('checkpoints.purgeExpired', batch, { tx });
          let deleted = 0;
          for (const key of batch) {
            const entity = current.get(keyId(key));
            if (entity && (entity.expiryMs as number) <= nowMs) {
              tx.delete(key);
              deleted++;
            }
          }
          return deleted;
        });
      }
      return purged;
    },

    async readAll() {
      return (await c.run('checkpoints.readAll', c.query(k.Checkpoint))).map(toRecord);
    },

    async replaceAll(records) {
      await c.deleteAll(
        'checkpoints.replaceAll',
        await c.keys('checkpoints.replaceAll', c.query(k.Checkpoint)),
      );
      await c.upsertAll(
        'checkpoints.replaceAll',
        records.map((record) => toWrite(record, newWriteId())),
      );
    },
  };
}

/** Keys in runs of at most 25 entity groups (roots) and a few hundred keys each. */
function byEntityGroups(keys: readonly Key[]): Key[][] {
  const runs: Key[][] = [];
  let run: Key[] = [];
  let roots = new Set<string>();
  for (const key of keys) {
    const root = JSON.stringify(key.path.slice(0, 2));
    const newRoot = !roots.has(root);
    if (
      run.length >= PURGE_KEYS_PER_TRANSACTION ||
      (newRoot && roots.size >= PURGE_GROUPS_PER_TRANSACTION)
    ) {
      runs.push(run);
      run = [];
      roots = new Set();
    }
    roots.add(root);
    run.push(key);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
