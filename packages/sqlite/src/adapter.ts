/**
 * createSqliteAdapter: the five primitives on one better-sqlite3 connection, built by core's
 * composeAdapter from this package's storage primitives. The connection is opened here (WAL,
 * busy_timeout, synchronous) or taken from the caller, and closed only if opened here.
 */
import {
  type Adapter,
  type AdapterBackends,
  BackendError,
  composeAdapter,
} from '@checkpointkit/core';
import Database from 'better-sqlite3';
import { sqliteCheckpoints } from './checkpoints.js';
import { SqliteConnection, type SqliteTx } from './connection.js';
import { fileKeyOf } from './gates.js';
import { sqliteGroups } from './groups.js';
import { sqliteNodes } from './nodes.js';
import { sqliteOperations } from './operations.js';
import {
  type ResolvedSqliteOptions,
  resolveSqliteOptions,
  type SqliteAdapterOptions,
} from './options.js';
import { migrate, tableNames } from './schema.js';
import { sqliteSessions } from './sessions.js';
import { translateSqliteError } from './translate-error.js';

export interface SqliteAdapter extends Adapter<SqliteTx> {
  /** The connection: read your own tables through it, or pass it to another adapter. */
  readonly database: SqliteTx;
  readonly tablePrefix: string;
}

/** Opens the connection the options name, configured for several processes. */
function openDatabase(options: ResolvedSqliteOptions): { db: SqliteTx; owned: boolean } {
  if ('database' in options) return { db: options.database, owned: false };
  let db: SqliteTx | null = null;
  try {
    db = new Database(options.path, { timeout: options.busyTimeoutMs });
    // WAL: readers never block the writer and the writer never blocks readers; a commit is
    // atomic through a crash of the process at any point. (':memory:' answers "memory".)
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
    return { db, owned: true };
  } catch (error) {
    db?.close();
    const typed = translateSqliteError(error);
    // better-sqlite3 reports some failures (a missing directory) as plain TypeErrors.
    throw typed !== error
      ? typed
      : new BackendError(`cannot open SQLite database ${JSON.stringify(options.path)}`, {
          cause: error,
        });
  }
}

/** The adapter's storage primitives, before composeAdapter turns them into the public API. */
export function sqliteBackends(
  options: SqliteAdapterOptions,
): AdapterBackends<SqliteTx> & { readonly database: SqliteTx; readonly tablePrefix: string } {
  const resolved = resolveSqliteOptions(options);
  const { db, owned } = openDatabase(resolved);
  const connection = new SqliteConnection(db, fileKeyOf(db), resolved.retry);
  const tables = tableNames(resolved.tablePrefix);
  return {
    name: 'sqlite',
    options: resolved,
    database: db,
    tablePrefix: resolved.tablePrefix,
    checkpoints: sqliteCheckpoints(connection, tables),
    operations: sqliteOperations(connection, tables),
    groups: sqliteGroups(connection, tables),
    sessions: sqliteSessions(connection, tables),
    nodes: sqliteNodes(connection, tables),
    transaction: (work) => connection.write('transaction', work),
    setup: () => connection.write('setup', (tx) => migrate(tx, tables)),
    close: async () => {
      if (owned) await connection.close();
    },
  };
}

/**
 * `createSqliteAdapter({ path: 'progress.db' })`, or `{ database }` to use a connection you
 * opened. Call `setup()` once (any process, any time: it is idempotent) before anything else.
 */
export function createSqliteAdapter(options: SqliteAdapterOptions): SqliteAdapter {
  const backends = sqliteBackends(options);
  return {
    ...composeAdapter(backends),
    database: backends.database,
    tablePrefix: backends.tablePrefix,
  };
}
