/**
 * The adapter's one way to talk to Datastore: keys in its namespace, read-write transactions
 * under core's retry policy, lookups and blind writes split into requests that stay inside the
 * production limits (./limits.ts), and every error through ./translate-error.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  BackendError,
  OutcomeUnknownError,
  PayloadTooLargeError,
  type RetryPolicy,
  retryAborted,
  viewBytes,
} from '@checkpointkit/core';
import type { Datastore, Key, Query, Transaction } from '@google-cloud/datastore';
import type { Kinds } from './kinds.js';
import {
  batches,
  entityBytes,
  keyBytes,
  MAX_KEYS_PER_LOOKUP,
  MAX_MUTATIONS_PER_COMMIT,
  REQUEST_PAYLOAD_BUDGET,
  requireEntityFits,
} from './limits.js';
import { translateDatastoreError } from './translate-error.js';

/** The Tx of this adapter: a Datastore Transaction that is running; its commit is ours. */
export type DatastoreTx = Transaction;

export interface Property {
  readonly name: string;
  readonly value: unknown;
  readonly excludeFromIndexes: boolean;
}

/** A property no query filters or orders on: excluded from indexes (cheaper, and no 1,500-byte cap). */
export const stored = (name: string, value: unknown): Property => ({
  name,
  value: value instanceof Uint8Array && !Buffer.isBuffer(value) ? asBuffer(value) : value,
  excludeFromIndexes: true,
});

/** A property a query filters or orders on. */
export const indexed = (name: string, value: unknown): Property => ({
  name,
  value,
  excludeFromIndexes: false,
});

export interface EntityWrite {
  readonly key: Key;
  readonly data: readonly Property[];
}

export type StoredEntity = Record<string, unknown>;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A blob property as the contract's plain Uint8Array. */
export function bytesOf(value: unknown): Uint8Array {
  return viewBytes(value instanceof Uint8Array ? value : new Uint8Array(0));
}

/** A stable identity for a key, to match lookup results (which come back in any order). */
export function keyId(key: Key): string {
  return JSON.stringify(key.path);
}

export function keyOf(entity: StoredEntity, datastore: Datastore): Key {
  return (entity as Record<symbol, Key>)[datastore.KEY] as Key;
}

/**
 * Whether a callback committed or rolled back the transaction it was handed. The client marks an
 * ended transaction EXPIRED (its TransactionState 3) and would answer our commit with a plain
 * "This transaction has already expired." — whether the callback's commit went through or not.
 */
function endedInside(tx: DatastoreTx): boolean {
  return (tx as unknown as { state?: number }).state === 3;
}

const sizeOfWrite = (write: EntityWrite): number => entityBytes(write.key, write.data);

export class DatastoreConnection {
  constructor(
    readonly datastore: Datastore,
    readonly namespace: string | undefined,
    readonly kinds: Kinds,
    private readonly retry: RetryPolicy,
  ) {}

  key(path: readonly (string | number)[]): Key {
    return this.datastore.key({ namespace: this.namespace, path: [...path] });
  }

  query(kind: string): Query {
    return this.namespace === undefined
      ? this.datastore.createQuery(kind)
      : this.datastore.createQuery(this.namespace, kind);
  }

  keyOf(entity: StoredEntity): Key {
    return keyOf(entity, this.datastore);
  }

  /**
   * `body` inside one read-write transaction, committed after it returns; the whole attempt runs
   * again when Datastore reports contention (core's retryAborted, then ConflictError). Before the
   * commit leaves, its mutations are checked against the production commit limits. When the
   * commit's reply is lost (OutcomeUnknownError), `settle` may read the outcome back: true means
   * the write is there (the call succeeds with its value); otherwise the error stands.
   */
  transaction<T>(
    operation: string,
    body: (tx: DatastoreTx) => Promise<T>,
    settle?: (value: T) => Promise<boolean>,
  ): Promise<T> {
    return retryAborted(operation, this.retry, async () => {
      const tx = this.datastore.transaction();
      let sent: { value: T } | null = null;
      try {
        await tx.run();
        const value = await body(tx);
        if (endedInside(tx)) {
          throw new BackendError(
            `${operation}: the transaction was ended inside its callback (commit or rollback on the tx); write through it, do not end it`,
          );
        }
        requireCommitFits(tx);
        sent = { value };
        await tx.commit();
        return value;
      } catch (error) {
        // A failed commit rolls itself back; anything earlier leaves an open transaction.
        if (!sent) await tx.rollback().catch(() => undefined);
        const typed = translateDatastoreError(error, { operation, committing: sent !== null });
        if (sent && typed instanceof OutcomeUnknownError) {
          // A commit without mutations changed nothing, whatever became of it.
          if (tx.modifiedEntities_.length === 0) return sent.value;
          if (settle && (await settle(sent.value).catch(() => false))) return sent.value;
        }
        throw typed;
      }
    });
  }

  /**
   * `body` inside one read-only transaction: every read sees the same snapshot. Reads only, so
   * nothing to retry but contention on the snapshot itself.
   */
  snapshot<T>(operation: string, body: (tx: DatastoreTx) => Promise<T>): Promise<T> {
    return retryAborted(operation, this.retry, async () => {
      const tx = this.datastore.transaction({ readOnly: true });
      try {
        await tx.run();
        const value = await body(tx);
        // Nothing to commit: ending it with a rollback sends no commit that could look like a write.
        await tx.rollback().catch(() => undefined);
        return value;
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        throw translateDatastoreError(error, { operation, committing: false });
      }
    });
  }

  /**
   * A request outside a transaction (lookups, queries, idempotent blind writes). Datastore may
   * refuse these with contention too (the emulator does, next to a running transaction); they
   * change nothing or are idempotent, so they are retried under the same policy.
   */
  request<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return retryAborted(operation, this.retry, async () => {
      try {
        return await send();
      } catch (error) {
        throw translateDatastoreError(error, { operation, committing: false });
      }
    });
  }

  /**
   * The entities of `keys` that exist, by keyId. At most MAX_KEYS_PER_LOOKUP keys and
   * `perRequest` entities a lookup (pass a small `perRequest` for large entities).
   */
  async lookup(
    operation: string,
    keys: readonly Key[],
    options: { readonly tx?: DatastoreTx; readonly perRequest?: number } = {},
  ): Promise<Map<string, StoredEntity>> {
    const found = new Map<string, StoredEntity>();
    const reader = options.tx ?? this.datastore;
    for (const batch of batches(keys, options.perRequest ?? MAX_KEYS_PER_LOOKUP)) {
      const [entities] = (await (options.tx
        ? reader.get(batch)
        : this.request(operation, () => reader.get(batch)))) as [StoredEntity[]];
      for (const entity of entities) {
        if (entity) found.set(keyId(this.keyOf(entity)), entity);
      }
    }
    return found;
  }

  async get(operation: string, key: Key, tx?: DatastoreTx): Promise<StoredEntity | null> {
    const found = await this.lookup(operation, [key], { tx });
    return found.get(keyId(key)) ?? null;
  }

  async run(operation: string, query: Query, tx?: DatastoreTx): Promise<StoredEntity[]> {
    if (tx) return ((await tx.runQuery(query)) as [StoredEntity[], unknown])[0];
    const [entities] = (await this.request(operation, () => this.datastore.runQuery(query))) as [
      StoredEntity[],
      unknown,
    ];
    return entities;
  }

  /** Keys of a keys-only query. */
  async keys(operation: string, query: Query, tx?: DatastoreTx): Promise<Key[]> {
    return (await this.run(operation, query.select('__key__'), tx)).map((e) => this.keyOf(e));
  }

  /**
   * Idempotent blind upserts (content-addressed shards, chunks under fresh ids), split into
   * commits within the production limits. Each commit is all-or-nothing; a failure may leave
   * earlier batches written, which is harmless for writes that nothing references yet.
   */
  async upsertAll(operation: string, writes: readonly EntityWrite[]): Promise<void> {
    for (const write of writes) requireEntityFits(operation, write.key, write.data);
    for (const batch of batches(writes, MAX_MUTATIONS_PER_COMMIT, sizeOfWrite)) {
      await this.request(operation, () =>
        this.datastore.upsert(batch.map((w) => ({ key: w.key, data: [...w.data] }))),
      );
    }
  }

  /** Idempotent deletes, split into commits within the production limits. */
  async deleteAll(operation: string, keys: readonly Key[]): Promise<void> {
    for (const batch of batches(keys, MAX_MUTATIONS_PER_COMMIT, keyBytes)) {
      await this.request(operation, () => this.datastore.delete(batch));
    }
  }

  /** Saves `write` in `tx`, after checking it against the entity size limit. */
  save(tx: DatastoreTx, operation: string, write: EntityWrite): void {
    requireEntityFits(operation, write.key, write.data);
    tx.save({ key: write.key, data: [...write.data] });
  }
}

/**
 * A fresh id for one attempt's write, stored with what it writes (`writeId`): when the reply of
 * a commit is lost, reading the record back and finding this id settles the outcome as applied.
 */
export function newWriteId(): string {
  return randomBytes(9).toString('base64');
}

/** The commit a transaction is about to send, against the mutation and request size limits. */
function requireCommitFits(tx: DatastoreTx): void {
  const mutations = tx.modifiedEntities_ ?? [];
  if (mutations.length > MAX_MUTATIONS_PER_COMMIT) {
    throw new PayloadTooLargeError(
      'transaction mutations',
      mutations.length,
      MAX_MUTATIONS_PER_COMMIT,
    );
  }
  let bytes = 0;
  for (const mutation of mutations) {
    // A save's entity (key and data) is its first argument; a delete's is just the key.
    const key = mutation.entity.key as unknown as Key;
    const saved =
      mutation.method === 'delete' ? undefined : (mutation.args[0] as { data?: unknown });
    bytes += saved ? entityBytes(key, saved.data ?? null) : keyBytes(key);
  }
  if (bytes > REQUEST_PAYLOAD_BUDGET) {
    throw new PayloadTooLargeError('transaction commit bytes', bytes, REQUEST_PAYLOAD_BUDGET);
  }
}
