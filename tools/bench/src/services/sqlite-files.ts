/**
 * SQLite databases for the benchmarks, each a file in the run's temp dir. Raw baselines open
 * their connections exactly as the adapter opens its own (WAL, busy_timeout and synchronous from
 * SQLITE_DEFAULTS), so both sides pay the same durability.
 */
import { join } from 'node:path';
import {
  createSqliteAdapter,
  SQLITE_DEFAULTS,
  type SqliteAdapter,
  type SqliteSynchronous,
  sqliteDdl,
} from '@checkpointkit/sqlite';
import Database from 'better-sqlite3';
import type { StatementCounter } from '../counting/sqlite-statements.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  readonly synchronous?: SqliteSynchronous;
  /** Counts every statement (slow: for counting passes only). */
  readonly counter?: StatementCounter;
}

export function openLikeAdapter(path: string, options: OpenOptions = {}): SqliteDatabase {
  const db = new Database(path, {
    timeout: SQLITE_DEFAULTS.busyTimeoutMs,
    ...(options.counter ? { verbose: options.counter.verbose } : {}),
  });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${(options.synchronous ?? SQLITE_DEFAULTS.synchronous).toUpperCase()}`);
  return db;
}

/**
 * A raw baseline's database: the adapter's own table layout (sqliteDdl, prefix "raw"), so that
 * both sides write rows of the same shape into tables with the same indexes.
 */
export function openRawDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  const db = openLikeAdapter(path, options);
  db.transaction(() => {
    for (const statement of sqliteDdl('raw')) db.exec(statement);
  })();
  return db;
}

export interface BenchSqliteAdapter {
  readonly adapter: SqliteAdapter;
  close(): Promise<void>;
}

/**
 * The adapter as users get it (`{ path }`, defaults), or — with a counter — on a connection of
 * ours opened the same way, so that its statements can be counted.
 */
export async function openSqliteAdapter(
  path: string,
  options: OpenOptions = {},
): Promise<BenchSqliteAdapter> {
  const database = options.counter ? openLikeAdapter(path, options) : undefined;
  const adapter = database
    ? createSqliteAdapter({ database })
    : createSqliteAdapter({
        path,
        ...(options.synchronous ? { synchronous: options.synchronous } : {}),
      });
  await adapter.setup();
  return {
    adapter,
    close: async () => {
      await adapter.close();
      database?.close();
    },
  };
}

export function sqlitePath(dir: string, name: string): string {
  return join(dir, `${name}.db`);
}
