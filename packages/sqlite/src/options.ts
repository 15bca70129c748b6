/** createSqliteAdapter's options: their defaults, in one place, and their validation. */
import {
  type CommonAdapterOptions,
  type ResolvedAdapterOptions,
  requireNonNegativeInteger,
  requireTablePrefix,
  resolveAdapterOptions,
  ValidationError,
} from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_TABLE_PREFIX } from './schema.js';

export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteAdapterOptions extends CommonAdapterOptions {
  /**
   * A database file to open (created if absent), or ':memory:'. The adapter configures and owns
   * this connection, and closes it on close(). Give either `path` or `database`.
   */
  readonly path?: string;
  /**
   * A better-sqlite3 Database you opened. Used exactly as you configured it (WAL is recommended
   * for several processes; better-sqlite3's default busy timeout is 5 s), never closed by us.
   */
  readonly database?: BetterSqlite3.Database;
  /** Prefix of every table name, `<prefix>_checkpoints` …; default "checkpointkit". */
  readonly tablePrefix?: string;
  /** busy_timeout of a connection the adapter opens; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * `synchronous` of a connection the adapter opens (always in WAL mode). "full" (default): a
   * commit is durable through power loss. "normal": several times faster; a commit survives a
   * crash of the process but not of the machine.
   */
  readonly synchronous?: SqliteSynchronous;
}

export const SQLITE_DEFAULTS = {
  tablePrefix: DEFAULT_TABLE_PREFIX,
  busyTimeoutMs: 5_000,
  synchronous: 'full',
} as const satisfies Partial<SqliteAdapterOptions>;

/** SQLite's default SQLITE_MAX_LENGTH (better-sqlite3 keeps it): the largest BLOB one value may hold. */
export const SQLITE_MAX_VALUE_BYTES = 1_000_000_000;

/** Longest busy_timeout accepted: a minute per attempt is already a hang. */
const MAX_BUSY_TIMEOUT_MS = 60_000;

export type ResolvedSqliteOptions = ResolvedAdapterOptions & {
  readonly tablePrefix: string;
} & (
    | {
        readonly path: string;
        readonly busyTimeoutMs: number;
        readonly synchronous: SqliteSynchronous;
      }
    | { readonly database: BetterSqlite3.Database }
  );

function isDatabase(value: unknown): value is BetterSqlite3.Database {
  const db = value as Partial<BetterSqlite3.Database> | null;
  return (
    typeof db === 'object' &&
    db !== null &&
    typeof db.prepare === 'function' &&
    typeof db.pragma === 'function' &&
    typeof db.open === 'boolean'
  );
}

export function resolveSqliteOptions(options: SqliteAdapterOptions): ResolvedSqliteOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    // resolveAdapterOptions would take a missing object for {}: there is no default database.
    throw new ValidationError('options', 'must be an object with `path` or `database`');
  }
  const common = resolveAdapterOptions(options);
  if (common.maxPayloadBytes > SQLITE_MAX_VALUE_BYTES) {
    throw new ValidationError(
      'maxPayloadBytes',
      `is ${common.maxPayloadBytes}; SQLite holds at most ${SQLITE_MAX_VALUE_BYTES} bytes in one value`,
    );
  }
  const tablePrefix = requireTablePrefix(
    'tablePrefix',
    options.tablePrefix ?? SQLITE_DEFAULTS.tablePrefix,
  );
  const { path, database } = options;
  if ((path === undefined) === (database === undefined)) {
    throw new ValidationError('path', 'give exactly one of `path` (a file to open) or `database`');
  }
  if (database !== undefined) {
    if (!isDatabase(database)) {
      throw new ValidationError('database', 'must be a better-sqlite3 Database');
    }
    if (!database.open) throw new ValidationError('database', 'is closed');
    for (const field of ['busyTimeoutMs', 'synchronous'] as const) {
      if (options[field] !== undefined) {
        throw new ValidationError(
          field,
          'applies only to a connection the adapter opens (`path`); configure your own Database yourself',
        );
      }
    }
    return { ...common, tablePrefix, database };
  }
  if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) {
    throw new ValidationError('path', 'must be a non-empty file path or ":memory:"');
  }
  const busyTimeoutMs = requireNonNegativeInteger(
    'busyTimeoutMs',
    options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs,
    MAX_BUSY_TIMEOUT_MS,
  );
  const synchronous = options.synchronous ?? SQLITE_DEFAULTS.synchronous;
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new ValidationError(
      'synchronous',
      `must be "full" or "normal", got ${String(synchronous)}`,
    );
  }
  return { ...common, tablePrefix, path, busyTimeoutMs, synchronous };
}
