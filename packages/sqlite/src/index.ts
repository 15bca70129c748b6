/**
 * @checkpointkit/sqlite — checkpointkit's five primitives on SQLite through better-sqlite3: the
 * embedded default, no services needed. See README.md.
 */
export { createSqliteAdapter, type SqliteAdapter, sqliteBackends } from './adapter.js';
export type { SqliteTx } from './connection.js';
export { SQLITE_MAX_SHARD_BYTES } from './nodes.js';
export {
  SQLITE_DEFAULTS,
  SQLITE_MAX_VALUE_BYTES,
  type SqliteAdapterOptions,
  type SqliteSynchronous,
} from './options.js';
export { DEFAULT_TABLE_PREFIX, SCHEMA_VERSION, sqliteDdl } from './schema.js';
