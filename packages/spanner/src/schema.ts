/**
 * The schema, in GoogleSQL: every table and index, documented once, here. Table names are
 * `<tablePrefix>_<name>`. Keys are one column per key part (natively injective). STRING columns
 * compare by UTF-8 bytes, which is core's byte-wise order.
 *
 * Hot spots: Spanner splits a table into key ranges, so a write-heavy table must not lead its
 * key with a column that only grows (a timestamp, a counter). Checkpoints lead with a hash of
 * (project, resourceId), which spreads keys evenly whatever the resource ids look like and keeps
 * one resource's keys adjacent for listing. The other tables lead with a user-chosen name (an
 * operation, group, dataset, node id); counters and timestamps only follow it, so each name's
 * writes append within its own range and different names land on different splits.
 */
import { BackendError, requireTablePrefix } from '@checkpointkit/core';
import type { Database } from '@google-cloud/spanner';
import { GrpcCode, grpcCode, translateSpannerError } from './translate-error.js';

export const DEFAULT_TABLE_PREFIX = 'checkpointkit';

export interface TableNames {
  readonly checkpoints: string;
  readonly operations: string;
  readonly operationCheckpoints: string;
  readonly operationChunks: string;
  readonly groupTimestamps: string;
  /** (GroupName, PartitionName, Applied, Nanos, Logical): first unapplied / first applied after. */
  readonly groupTimestampsByState: string;
  /** NULL_FILTERED on PendingGroup: only unapplied timestamps, for commit and scanUnresolved. */
  readonly groupTimestampsPending: string;
  readonly sessionKv: string;
  readonly datasetRows: string;
  readonly datasetMarkers: string;
  readonly nodeRoots: string;
  readonly nodeShards: string;
}

export function tableNames(tablePrefix: string): TableNames {
  const p = requireTablePrefix('tablePrefix', tablePrefix);
  return {
    checkpoints: `${p}_checkpoints`,
    operations: `${p}_operations`,
    operationCheckpoints: `${p}_operation_checkpoints`,
    operationChunks: `${p}_operation_chunks`,
    groupTimestamps: `${p}_group_timestamps`,
    groupTimestampsByState: `${p}_group_timestamps_by_state`,
    groupTimestampsPending: `${p}_group_timestamps_pending`,
    sessionKv: `${p}_session_kv`,
    datasetRows: `${p}_dataset_rows`,
    datasetMarkers: `${p}_dataset_markers`,
    nodeRoots: `${p}_node_roots`,
    nodeShards: `${p}_node_shards`,
  };
}

interface SchemaObject {
  readonly kind: 'table' | 'index';
  readonly name: string;
  readonly ddl: string;
}

/** Every table and index, in creation order (parents before interleaved children). */
function schemaObjects(t: TableNames): SchemaObject[] {
  return [
    // §1 run-once checkpoints: one row per key. ResourceHash = first 16 hex digits of
    // sha256(encodeKey([project, resourceId])), the hot-spot-free leading column. A claim (in
    // progress) has ClaimOwner/ClaimToken and its ExpiryMs is the lease deadline; live while
    // ExpiryMs > the adapter clock. ExpiryTime mirrors ExpiryMs for the row deletion policy,
    // which is garbage collection only: reads always check ExpiryMs. Fingerprint (hex sha256 of
    // the request's fingerprint) and Result (the first run's encoded result, ≤ 512 KiB) are
    // set only for runOnce/claim calls that gave them, in the same write as the checkpoint.
    {
      kind: 'table',
      name: t.checkpoints,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
  ResourceHash STRING(16) NOT NULL,
  Project STRING(MAX) NOT NULL,
  ResourceId STRING(MAX) NOT NULL,
  ProcessId STRING(MAX) NOT NULL,
  Uniquifier STRING(MAX) NOT NULL,
  CreationMs INT64 NOT NULL,
  ExpiryMs INT64 NOT NULL,
  ExpiryTime TIMESTAMP NOT NULL,
  ClaimOwner STRING(MAX),
  ClaimToken STRING(MAX),
  Fingerprint STRING(64),
  Result BYTES(MAX),
) PRIMARY KEY (ResourceHash, Project, ResourceId, ProcessId, Uniquifier),
  ROW DELETION POLICY (OLDER_THAN(ExpiryTime, INTERVAL 0 DAY))`,
    },

    // §2 operation checkpoints: per operation the persisted counter (never decreases, so ids
    // are never reused), the last fencing token issued, the current lease and how many
    // checkpoints it holds (listNames reads this small table, not the payloads). Checkpoints
    // are interleaved in their operation; their data in chunks of ≤ 8 MiB (cells hold 10 MiB).
    {
      kind: 'table',
      name: t.operations,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.operations} (
  Name STRING(MAX) NOT NULL,
  LastSeq INT64 NOT NULL,
  LastToken INT64 NOT NULL,
  CheckpointCount INT64 NOT NULL,
  LeaseOwner STRING(MAX),
  LeaseToken INT64,
  LeaseExpiryMs INT64,
) PRIMARY KEY (Name)`,
    },
    {
      kind: 'table',
      name: t.operationCheckpoints,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.operationCheckpoints} (
  Name STRING(MAX) NOT NULL,
  Seq INT64 NOT NULL,
  Label STRING(MAX) NOT NULL,
  CreatedMs INT64 NOT NULL,
  ByteLength INT64 NOT NULL,
) PRIMARY KEY (Name, Seq),
  INTERLEAVE IN PARENT ${t.operations} ON DELETE CASCADE`,
    },
    {
      kind: 'table',
      name: t.operationChunks,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.operationChunks} (
  Name STRING(MAX) NOT NULL,
  Seq INT64 NOT NULL,
  Chunk INT64 NOT NULL,
  Bytes BYTES(MAX) NOT NULL,
) PRIMARY KEY (Name, Seq, Chunk),
  INTERLEAVE IN PARENT ${t.operationCheckpoints} ON DELETE CASCADE`,
    },

    // §3 checkpoint groups: one row per (group, partition, timestamp). The primary key is each
    // partition's ordered history; the by-state index answers "first unapplied" and "first
    // applied after t" with one seek; the NULL_FILTERED pending index (PendingGroup is set only
    // while unapplied) holds only unapplied timestamps, so commit and scanUnresolved never walk
    // applied history.
    {
      kind: 'table',
      name: t.groupTimestamps,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.groupTimestamps} (
  GroupName STRING(MAX) NOT NULL,
  PartitionName STRING(MAX) NOT NULL,
  Nanos INT64 NOT NULL,
  Logical INT64 NOT NULL,
  Applied BOOL NOT NULL,
  PendingGroup STRING(MAX),
) PRIMARY KEY (GroupName, PartitionName, Nanos, Logical)`,
    },
    {
      kind: 'index',
      name: t.groupTimestampsByState,
      ddl: `CREATE INDEX IF NOT EXISTS ${t.groupTimestampsByState}
  ON ${t.groupTimestamps} (GroupName, PartitionName, Applied, Nanos, Logical)`,
    },
    {
      kind: 'index',
      name: t.groupTimestampsPending,
      ddl: `CREATE NULL_FILTERED INDEX IF NOT EXISTS ${t.groupTimestampsPending}
  ON ${t.groupTimestamps} (PendingGroup, Nanos, Logical, PartitionName)`,
    },

    // §4 commit sessions: the MultiCommitter's KV, the datasets' rows, each dataset's marker.
    {
      kind: 'table',
      name: t.sessionKv,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.sessionKv} (
  Namespace STRING(MAX) NOT NULL,
  ItemKey STRING(MAX) NOT NULL,
  Value BYTES(MAX) NOT NULL,
) PRIMARY KEY (Namespace, ItemKey)`,
    },
    {
      kind: 'table',
      name: t.datasetRows,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.datasetRows} (
  Dataset STRING(MAX) NOT NULL,
  ItemKey STRING(MAX) NOT NULL,
  Value BYTES(MAX) NOT NULL,
) PRIMARY KEY (Dataset, ItemKey)`,
    },
    {
      kind: 'table',
      name: t.datasetMarkers,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.datasetMarkers} (
  Dataset STRING(MAX) NOT NULL,
  LastKey BYTES(MAX) NOT NULL,
  LastId BYTES(MAX) NOT NULL,
) PRIMARY KEY (Dataset)`,
    },

    // §5 sharded node state: the root (Shards: the shard hashes in order, 32 raw bytes each)
    // and the immutable, content-addressed shards, stamped when last written or last dropped by
    // a root. Shards are not interleaved in roots: they are written before their root exists.
    {
      kind: 'table',
      name: t.nodeRoots,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.nodeRoots} (
  Id STRING(MAX) NOT NULL,
  Generation INT64 NOT NULL,
  ByteLength INT64 NOT NULL,
  Sha256 STRING(64) NOT NULL,
  Shards BYTES(MAX) NOT NULL,
) PRIMARY KEY (Id)`,
    },
    {
      kind: 'table',
      name: t.nodeShards,
      ddl: `CREATE TABLE IF NOT EXISTS ${t.nodeShards} (
  Id STRING(MAX) NOT NULL,
  ShardHash STRING(64) NOT NULL,
  StampMs INT64 NOT NULL,
  Bytes BYTES(MAX) NOT NULL,
) PRIMARY KEY (Id, ShardHash)`,
    },
  ];
}

/**
 * Every DDL statement of the schema, in order, for teams that apply schema out of band (e.g.
 * `gcloud spanner databases ddl update --ddl-file`). Each is `IF NOT EXISTS`, so applying them
 * again, or running setup() afterwards, changes nothing.
 */
export function spannerDdl(tablePrefix: string = DEFAULT_TABLE_PREFIX): string[] {
  return schemaObjects(tableNames(tablePrefix)).map((o) => o.ddl);
}

/** Tables and indexes of the prefix that the database already has. */
async function existingObjects(database: Database, t: TableNames): Promise<Set<string>> {
  const [rows] = await database.run({
    sql: `SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES
          WHERE TABLE_SCHEMA = '' AND STARTS_WITH(TABLE_NAME, @prefix)
          UNION ALL
          SELECT INDEX_NAME AS name FROM INFORMATION_SCHEMA.INDEXES
          WHERE TABLE_SCHEMA = '' AND INDEX_TYPE = 'INDEX' AND STARTS_WITH(TABLE_NAME, @prefix)`,
    params: { prefix: t.checkpoints.slice(0, t.checkpoints.length - 'checkpoints'.length) },
    json: true,
  });
  return new Set((rows as { name: string }[]).map((r) => r.name));
}

/** A concurrent schema change (another process's setup()) is in progress: try again. */
function concurrentSchemaChange(error: unknown): boolean {
  const code = grpcCode(error);
  return (
    code === GrpcCode.ABORTED ||
    code === GrpcCode.FAILED_PRECONDITION ||
    code === GrpcCode.ALREADY_EXISTS ||
    /concurrent schema change|Duplicate name|already exists/i.test(String((error as Error).message))
  );
}

const SETUP_ATTEMPTS = 20;

/**
 * Creates the tables and indexes the database lacks, and only those. Two processes calling it
 * at once: Spanner runs one schema change at a time and rejects the other, which then reads
 * the schema again and finds nothing (or less) missing; every statement is IF NOT EXISTS.
 */
export async function applySchema(database: Database, t: TableNames): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= SETUP_ATTEMPTS; attempt++) {
    try {
      const existing = await existingObjects(database, t);
      const missing = schemaObjects(t).filter((o) => !existing.has(o.name));
      if (missing.length === 0) return;
      const [operation] = await database.updateSchema(missing.map((o) => o.ddl));
      await operation.promise();
    } catch (error) {
      if (!concurrentSchemaChange(error)) throw translateSpannerError(error, 'setup');
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  throw new BackendError(`setup: the schema kept changing under ${SETUP_ATTEMPTS} attempts`, {
    cause: lastError,
    retryable: true,
  });
}
