/**
 * The in-memory backing store: named tables of rows, one lock, and transactions that buffer
 * their writes and apply them at the end, all or nothing. Several adapters created on one
 * MemoryStore behave like several processes on one database: their transactions serialize on
 * the store's lock, and reads outside a transaction see only committed rows.
 *
 * Rows are never changed in place (copy on write), so a committed row can be handed out.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { BackendError } from '../errors.js';

const DELETED: unique symbol = Symbol('deleted');
type Pending = unknown | typeof DELETED;

export class MemoryStore {
  readonly tables = new Map<string, Map<string, unknown>>();
  /** Change notifications across the adapters sharing this store (checkpoint groups). */
  readonly events = new EventEmitter().setMaxListeners(0);
  private tail: Promise<unknown> = Promise.resolve();
  private readonly holder = new AsyncLocalStorage<MemoryStore>();

  table(name: string): Map<string, unknown> {
    let table = this.tables.get(name);
    if (!table) {
      table = new Map();
      this.tables.set(name, table);
    }
    return table;
  }

  /** Reads committed rows without waiting for the lock. */
  read<T>(work: (rows: MemoryRows) => T): Promise<T> {
    return Promise.resolve().then(() => work(new MemoryRows(this)));
  }

  /** Runs `work` alone on the store and applies its writes if it returns. */
  async transaction<T>(work: (rows: MemoryRows) => Promise<T> | T): Promise<T> {
    if (this.holder.getStore() === this) {
      // The lock is not re-entrant: waiting for it here would wait forever.
      throw new BackendError(
        'a memory transaction cannot start inside another one on the same store; use the tx you were given',
      );
    }
    const run = this.tail.then(() =>
      this.holder.run(this, async () => {
        const rows = new MemoryRows(this);
        const result = await work(rows);
        rows.apply();
        return result;
      }),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A transaction's view: committed rows overlaid with its own pending writes. */
export class MemoryRows {
  private readonly pending = new Map<string, Map<string, Pending>>();
  private done = false;

  constructor(private readonly store: MemoryStore) {}

  get<V>(table: string, key: string): V | undefined {
    const mine = this.pending.get(table);
    if (mine?.has(key)) {
      const value = mine.get(key);
      return value === DELETED ? undefined : (value as V);
    }
    return this.store.table(table).get(key) as V | undefined;
  }

  put(table: string, key: string, row: unknown): void {
    this.assertOpen();
    this.pendingOf(table).set(key, row);
  }

  remove(table: string, key: string): void {
    this.assertOpen();
    this.pendingOf(table).set(key, DELETED);
  }

  /** Every row of `table` as this transaction sees it. */
  entries<V>(table: string): [string, V][] {
    const merged = new Map(this.store.table(table));
    for (const [key, value] of this.pending.get(table) ?? []) {
      if (value === DELETED) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged] as [string, V][];
  }

  apply(): void {
    this.assertOpen();
    this.done = true;
    for (const [name, writes] of this.pending) {
      const table = this.store.table(name);
      for (const [key, value] of writes) {
        if (value === DELETED) table.delete(key);
        else table.set(key, value);
      }
    }
  }

  private pendingOf(table: string): Map<string, Pending> {
    let mine = this.pending.get(table);
    if (!mine) {
      mine = new Map();
      this.pending.set(table, mine);
    }
    return mine;
  }

  private assertOpen(): void {
    if (this.done) throw new BackendError('this memory transaction has already committed');
  }
}

/**
 * The Tx the memory adapter hands to user callbacks: its own key-value rows, committed with
 * checkpointkit's records in the same transaction.
 */
export class MemoryTx {
  /** @internal The transaction's rows, for the adapter's own records. */
  constructor(readonly rows: MemoryRows) {}

  get(key: string): unknown {
    return this.rows.get('user', key);
  }

  set(key: string, value: unknown): void {
    this.rows.put('user', key, value);
  }

  delete(key: string): void {
    this.rows.remove('user', key);
  }
}
