/**
 * The schema: every table, index and migration, documented once, here. Table names are
 * `<tablePrefix>_<name>`. Keys are one column per key part (natively injective), compared with
 * SQLite's BINARY collation — memcmp over UTF-8, the byte-wise order of core's compareUtf8.
 * Tables whose rows carry payloads (up to maxPayloadBytes) keep their rowid and put the BLOB
 * last, so reads of the other columns never touch the overflow pages; small-row tables are
 * WITHOUT ROWID.
 */

import { BackendError, requireTablePrefix } from '@checkpointkit/core';
import type BetterSqlite3 from 'better-sqlite3';

export const DEFAULT_TABLE_PREFIX = 'checkpointkit';

export interface TableNames {
  readonly migrations: string;
  readonly checkpoints: string;
  readonly checkpointResults: string;
  readonly operations: string;
  readonly operationCheckpoints: string;
  readonly groupTimestamps: string;
  readonly sessionKv: string;
  readonly datasetRows: string;
  readonly datasetMarkers: string;
  readonly nodeRoots: string;
  readonly nodeShards: string;
}

export function tableNames(tablePrefix: string): TableNames {
  const p = requireTablePrefix('tablePrefix', tablePrefix);
  return {
    migrations: `${p}_migrations`,
    checkpoints: `${p}_checkpoints`,
    checkpointResults: `${p}_checkpoint_results`,
    operations: `${p}_operations`,
    operationCheckpoints: `${p}_operation_checkpoints`,
    groupTimestamps: `${p}_group_timestamps`,
    sessionKv: `${p}_session_kv`,
    datasetRows: `${p}_dataset_rows`,
    datasetMarkers: `${p}_dataset_markers`,
    nodeRoots: `${p}_node_roots`,
    nodeShards: `${p}_node_shards`,
  };
}

interface Migration {
  readonly version: number;
  readonly description: string;
  statements(t: TableNames): readonly string[];
}

/**
 * Applied in order by setup(); a version, once released, never changes — later changes are new
 * versions. Every statement is idempotent (IF NOT EXISTS) so that DDL applied out of band and
 * setup() agree.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    statements: (t) => [
      // §1 run-once checkpoints: one row per key. A claim (in progress) has claim_owner and
      // claim_token, and its expiry_ms is the lease deadline. Live while expiry_ms > now.
      `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
        project TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        process_id TEXT NOT NULL,
        uniquifier TEXT NOT NULL,
        creation_ms INTEGER NOT NULL,
        expiry_ms INTEGER NOT NULL,
        claim_owner TEXT,
        claim_token TEXT,
        PRIMARY KEY (project, resource_id, process_id, uniquifier)
      ) WITHOUT ROWID`,
      `CREATE INDEX IF NOT EXISTS ${t.checkpoints}_expiry ON ${t.checkpoints} (expiry_ms)`,

      // §2 operation checkpoints: per operation the persisted counter (never decreases, so ids
      // are never reused), the last fencing token issued and the current lease; then the
      // checkpoints by (name, seq).
      `CREATE TABLE IF NOT EXISTS ${t.operations} (
        name TEXT NOT NULL PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        last_token INTEGER NOT NULL,
        lease_owner TEXT,
        lease_token INTEGER,
        lease_expiry_ms INTEGER
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS ${t.operationCheckpoints} (
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        label TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (name, seq)
      )`,

      // §3 checkpoint groups: one row per (group, partition, timestamp). The primary key is the
      // ordered history of each partition; the two partial indexes hold only the unapplied and
      // only the applied timestamps, so that "first unapplied", "first applied after t" and
      // "groups with unapplied timestamps" are single seeks however long the history.
      `CREATE TABLE IF NOT EXISTS ${t.groupTimestamps} (
        group_name TEXT NOT NULL,
        partition_name TEXT NOT NULL,
        nanos INTEGER NOT NULL,
        logical INTEGER NOT NULL,
        applied INTEGER NOT NULL,
        PRIMARY KEY (group_name, partition_name, nanos, logical)
      ) WITHOUT ROWID`,
      `CREATE INDEX IF NOT EXISTS ${t.groupTimestamps}_unapplied
        ON ${t.groupTimestamps} (group_name, partition_name, nanos, logical) WHERE applied = 0`,
      `CREATE INDEX IF NOT EXISTS ${t.groupTimestamps}_applied
        ON ${t.groupTimestamps} (group_name, partition_name, nanos, logical) WHERE applied = 1`,

      // §4 commit sessions: the MultiCommitter's KV, the datasets' rows, and each dataset's
      // (last key, last id) marker.
      `CREATE TABLE IF NOT EXISTS ${t.sessionKv} (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (namespace, key)
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.datasetRows} (
        dataset TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (dataset, key)
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.datasetMarkers} (
        dataset TEXT NOT NULL PRIMARY KEY,
        last_key BLOB NOT NULL,
        last_id BLOB NOT NULL
      ) WITHOUT ROWID`,

      // §5 sharded node state: the root (shards: a JSON array of sha256 hex, in order) and the
      // immutable, content-addressed shards, stamped when last written or last dropped by a root.
      `CREATE TABLE IF NOT EXISTS ${t.nodeRoots} (
        id TEXT NOT NULL PRIMARY KEY,
        generation INTEGER NOT NULL,
        byte_length INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        shards TEXT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS ${t.nodeShards} (
        id TEXT NOT NULL,
        hash TEXT NOT NULL,
        stamp_ms INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (id, hash)
      )`,
    ],
  },
  {
    version: 2,
    description: 'run-once results and request fingerprints',
    // §1 idempotent results: for a checkpoint stored with them, the hex sha256 of the request
    // fingerprint and the first run's encoded result (at most maxResultBytes). A table of its
    // own rather than new columns: CREATE … IF NOT EXISTS keeps every statement idempotent, and
    // checkpoints without results (the common case, and every row older than this version)
    // have no row here. Written and deleted with its checkpoint, in the same transaction.
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.checkpointResults} (
        project TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        process_id TEXT NOT NULL,
        uniquifier TEXT NOT NULL,
        fingerprint TEXT,
        result BLOB,
        PRIMARY KEY (project, resource_id, process_id, uniquifier)
      )`,
    ],
  },
];

export const SCHEMA_VERSION = (MIGRATIONS[MIGRATIONS.length - 1] as Migration).version;

function migrationsTable(t: TableNames): string {
  return `CREATE TABLE IF NOT EXISTS ${t.migrations} (
        version INTEGER NOT NULL PRIMARY KEY,
        description TEXT NOT NULL
      )`;
}

function recordMigration(t: TableNames, m: Migration): string {
  return `INSERT OR IGNORE INTO ${t.migrations} (version, description) VALUES (${m.version}, '${m.description.replace(/'/g, "''")}')`;
}

/**
 * Every statement of the current schema, in order, for teams that apply DDL out of band (it
 * records the migrations it contains, so a later setup() only adds newer ones). Run them in one
 * transaction.
 */
export function sqliteDdl(tablePrefix: string = DEFAULT_TABLE_PREFIX): string[] {
  const t = tableNames(tablePrefix);
  return [
    migrationsTable(t),
    ...MIGRATIONS.flatMap((m) => [...m.statements(t), recordMigration(t, m)]),
  ];
}

/**
 * Applies the migrations `tx` has not recorded yet. Runs inside setup()'s BEGIN IMMEDIATE
 * transaction: a second process calling setup() at the same time waits for the lock and then
 * finds every version recorded. Versions newer than this package knows are left alone.
 */
export function migrate(tx: BetterSqlite3.Database, t: TableNames): void {
  const encoding = tx.pragma('encoding', { simple: true });
  if (encoding !== 'UTF-8') {
    // BINARY collation compares the stored bytes: only UTF-8 gives the byte-wise key order.
    throw new BackendError(
      `the database encoding is ${String(encoding)}; checkpointkit needs UTF-8`,
    );
  }
  tx.prepare(migrationsTable(t)).run();
  const applied = new Set(
    tx
      .prepare(`SELECT version FROM ${t.migrations}`)
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements(t)) tx.prepare(statement).run();
    tx.prepare(recordMigration(t, m)).run();
  }
}
