/**
 * One better-sqlite3 connection as the adapter uses it: cached prepared statements, and three
 * ways to run statements — a read, a read snapshot, and a write transaction — each behind the
 * gates of ./gates.ts, each retried under the core policy when SQLite reports it busy, each with
 * its errors translated by ./translate-error.ts.
 *
 * Write transactions start with BEGIN IMMEDIATE: the write lock is taken before the first read,
 * so a read-then-write step never fails with SQLITE_BUSY_SNAPSHOT (which busy_timeout does not
 * cure), and a busy lock surfaces at BEGIN, before any user callback ran.
 */
import { BackendError, type RetryPolicy, retryAborted } from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';
import { connectionGate, type Gate, holds, withGates, writerGate } from './gates.js';
import { translateSqliteError } from './translate-error.js';

/** What user callbacks receive: the connection itself, inside the open BEGIN IMMEDIATE transaction. */
export type SqliteTx = BetterSqlite3.Database;

const statementCaches = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** `sql` prepared once per connection. */
export function prepared(db: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  let cache = statementCaches.get(db);
  if (!cache) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    try {
      statement = db.prepare(sql);
    } catch (error) {
      throw translateSqliteError(error, true);
    }
    cache.set(sql, statement);
  }
  return statement;
}

/** Runs synchronous statement work with its errors translated. */
export function translated<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw translateSqliteError(error);
  }
}

/**
 * A user callback may end the transaction itself (COMMIT or ROLLBACK on the tx). Statements of
 * ours after it would then run in autocommit mode, each committed on its own: check first.
 */
export function requireStillInTransaction(tx: SqliteTx): void {
  if (!tx.inTransaction) {
    throw new BackendError(
      'the transaction was ended inside its callback (COMMIT or ROLLBACK on the tx); run only your own statements on it',
    );
  }
}

const NESTED_WRITE =
  'a write transaction cannot start inside another transaction on the same database (it would ' +
  'wait for itself); inside a transaction callback, write through the tx you were given';

export class SqliteConnection {
  private readonly gate: Gate;

  constructor(
    readonly db: BetterSqlite3.Database,
    /** See fileKeyOf in ./gates.ts. */
    private readonly fileKey: string | null,
    private readonly retry: RetryPolicy,
  ) {
    this.gate = connectionGate(db);
  }

  /**
   * Synchronous reads outside a transaction (or inside the caller's own, if it is in one). An
   * idle connection gate means no transaction is open on the connection, and a synchronous read
   * cannot interleave with one, so it runs at once; otherwise it waits for the open one to end.
   */
  read<T>(what: string, work: (db: BetterSqlite3.Database) => T): Promise<T> {
    return retryAborted(what, this.retry, async () => {
      if (this.gate.idle || holds(this.gate)) return this.attempt(work);
      return withGates([this.gate], async () => this.attempt(work));
    });
  }

  /** Several reads that must see one consistent snapshot: a deferred, read-only transaction. */
  snapshot<T>(what: string, work: (db: BetterSqlite3.Database) => Promise<T>): Promise<T> {
    return retryAborted(what, this.retry, async () => {
      // Inside a transaction on this connection already: its view is the snapshot.
      if (holds(this.gate)) return this.attemptAsync(work);
      return withGates([this.gate], () => this.inTransaction('BEGIN', work));
    });
  }

  /**
   * One atomic step: BEGIN IMMEDIATE, `work(tx)`, COMMIT — or ROLLBACK if anything throws.
   * Retried from BEGIN when SQLite is busy, so `work` may run more than once.
   */
  write<T>(what: string, work: (tx: SqliteTx) => T | Promise<T>): Promise<T> {
    return retryAborted(what, this.retry, async () => {
      const writer = writerGate(this.fileKey);
      if ((writer && holds(writer)) || holds(this.gate)) throw new BackendError(NESTED_WRITE);
      const gates = writer ? [writer, this.gate] : [this.gate];
      return withGates(gates, () => this.inTransaction('BEGIN IMMEDIATE', work));
    });
  }

  /** Closes the connection once no transaction is open on it. */
  async close(): Promise<void> {
    if (holds(this.gate)) {
      throw new BackendError('close() cannot run inside a transaction on the connection it closes');
    }
    await withGates([this.gate], async () => {
      if (this.db.open) this.db.close();
    });
  }

  private async inTransaction<T>(
    begin: 'BEGIN' | 'BEGIN IMMEDIATE',
    work: (tx: SqliteTx) => T | Promise<T>,
  ): Promise<T> {
    const db = this.requireOpen();
    translated(() => prepared(db, begin).run());
    try {
      const result = await work(db);
      requireStillInTransaction(db);
      prepared(db, 'COMMIT').run();
      return result;
    } catch (error) {
      if (db.open && db.inTransaction) {
        try {
          prepared(db, 'ROLLBACK').run();
        } catch {
          // The original error is the one to report; SQLite rolls back on close anyway.
        }
      }
      throw translateSqliteError(error);
    }
  }

  private attempt<T>(work: (db: BetterSqlite3.Database) => T): T {
    const db = this.requireOpen();
    return translated(() => work(db));
  }

  private async attemptAsync<T>(work: (db: BetterSqlite3.Database) => Promise<T>): Promise<T> {
    const db = this.requireOpen();
    try {
      return await work(db);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  private requireOpen(): BetterSqlite3.Database {
    if (!this.db.open) throw new BackendError('the better-sqlite3 Database is closed');
    return this.db;
  }
}
