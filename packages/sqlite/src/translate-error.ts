/**
 * The one place where better-sqlite3's errors become checkpointkit's typed errors. Every
 * statement path of the adapter, and every error leaving a transaction (the user's callback
 * included), passes through `translateSqliteError`.
 */
import {
  BackendError,
  CheckpointKitError,
  CorruptStateError,
  SchemaNotReadyError,
  TransactionAbortedError,
} from '@checkpointkit/core';

interface SqliteErrorLike {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

function isSqliteError(error: unknown): error is SqliteErrorLike {
  return (
    error instanceof Error &&
    error.name === 'SqliteError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/**
 * SQLITE_BUSY and its extended codes mean another connection holds the lock past busy_timeout,
 * or (BUSY_SNAPSHOT) a deferred transaction's snapshot went stale: the transaction did not
 * happen, and the core retry policy may run it again.
 */
const ABORTED_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_TIMEOUT',
]);

/**
 * Returns the typed error for `error`; errors that are not SQLite's pass through unchanged.
 * `preparingOurs` marks a failure to prepare one of the adapter's own statements: only then does
 * a missing table or column mean that the schema is not set up (a user's statement naming a
 * missing table of theirs is their own error).
 */
export function translateSqliteError(error: unknown, preparingOurs = false): unknown {
  if (error instanceof CheckpointKitError) return error;
  if (isSqliteError(error)) {
    if (ABORTED_CODES.has(error.code)) {
      return new TransactionAbortedError(`SQLite: ${error.message}`, { cause: error });
    }
    // Before setup() (or after a newer package added a migration): statements name tables or
    // columns that do not exist yet.
    if (preparingOurs && /^no such (table|column)/.test(error.message)) {
      return new SchemaNotReadyError(
        `SQLite: ${error.message} — call adapter.setup() (or apply sqliteDdl()) first`,
        { cause: error },
      );
    }
    if (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB') {
      return new CorruptStateError(`SQLite: ${error.message}`, { cause: error });
    }
    return new BackendError(`SQLite (${error.code}): ${error.message}`, { cause: error });
  }
  // better-sqlite3 throws a TypeError for a connection that was closed under us.
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new BackendError('the better-sqlite3 Database is closed', { cause: error });
  }
  return error;
}
