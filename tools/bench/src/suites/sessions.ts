/**
 * Commit sessions: one MultiCommitter session (begin, 100 changes to each of 2 datasets, commit)
 * against the backend's driver writing the same 2 × 100 values at its minimum — each dataset's
 * changes and its idempotency marker in one transaction (SQLite) or one MULTI (Redis), without
 * the session log that makes a crashed session replayable under one id.
 */
import { randomBytes } from 'node:crypto';
import { type Adapter, MultiCommitter, utf8Encode } from '@checkpointkit/core';
import { createRedisAdapter } from '@checkpointkit/redis';
import { countedRedisContender } from '../counting/redis-sides.js';
import { requestsPerOp } from '../counting/requests-per-op.js';
import { countStatements } from '../counting/sqlite-statements.js';
import type { BenchProfile } from '../profile.js';
import type { Section } from '../report/results.js';
import { nextSequence } from '../sequence.js';
import type { BenchRedis } from '../services/redis-service.js';
import {
  openRawDatabase,
  openSqliteAdapter,
  type SqliteDatabase,
  sqlitePath,
} from '../services/sqlite-files.js';
import { compareRow } from './comparison-row.js';

const DATASETS = ['orders', 'totals'] as const;
const CHANGES_PER_DATASET = 100;
const VALUE = new Uint8Array(randomBytes(100));
const CASE = `begin + ${DATASETS.length} datasets × ${CHANGES_PER_DATASET} changes + commit`;

function oursSession<Tx>(adapter: Adapter<Tx>, namespace: string): () => Promise<unknown> {
  const datasets = DATASETS.map((name) => adapter.sessions.committable(`${namespace}-${name}`));
  const committer = new MultiCommitter(
    adapter.sessions.kv(namespace),
    Object.fromEntries(datasets.map((d) => [d.name, d])),
  );
  return async () => {
    const key = utf8Encode(`session-${String(nextSequence()).padStart(12, '0')}`);
    await committer.begin(key);
    for (const dataset of datasets) {
      for (let i = 0; i < CHANGES_PER_DATASET; i++) dataset.set(`key-${i}`, VALUE);
    }
    return committer.commit(key);
  };
}

function rawSqliteSession(db: SqliteDatabase, namespace: string): () => Promise<unknown> {
  const upsert = db.prepare(
    'INSERT OR REPLACE INTO raw_dataset_rows (dataset, key, value) VALUES (?, ?, ?)',
  );
  const marker = db.prepare(
    'INSERT OR REPLACE INTO raw_dataset_markers (dataset, last_key, last_id) VALUES (?, ?, ?)',
  );
  const apply = db.transaction((dataset: string, key: Buffer) => {
    for (let i = 0; i < CHANGES_PER_DATASET; i++) upsert.run(dataset, `key-${i}`, VALUE);
    marker.run(dataset, key, key);
  }).immediate;
  return async () => {
    const key = Buffer.from(`session-${String(nextSequence()).padStart(12, '0')}`);
    for (const dataset of DATASETS) apply(`${namespace}-${dataset}`, key);
  };
}

export async function sessionsSqlite(profile: BenchProfile, dir: string): Promise<Section> {
  const path = sqlitePath(dir, 'sessions');
  const rawPath = sqlitePath(dir, 'sessions-raw');
  const statements = countStatements();
  const timed = await openSqliteAdapter(path);
  const counted = await openSqliteAdapter(path, { counter: statements });
  const raw = openRawDatabase(rawPath);
  const rawCounted = openRawDatabase(rawPath, { counter: statements });
  try {
    const row = await compareRow(profile, {
      caseName: CASE,
      concurrency: 1,
      ours: {
        label: 'checkpointkit MultiCommitter + 2 CommittableDatasets',
        op: oursSession(timed.adapter, 'bench'),
        requestsPerOp: await requestsPerOp(
          oursSession(counted.adapter, 'counted'),
          statements.read,
          profile.countingOperations,
        ),
      },
      baseline: {
        label: `raw: per dataset BEGIN IMMEDIATE, ${CHANGES_PER_DATASET} × INSERT OR REPLACE, marker, COMMIT`,
        op: rawSqliteSession(raw, 'bench'),
        requestsPerOp: await requestsPerOp(
          rawSqliteSession(rawCounted, 'counted'),
          statements.read,
          profile.countingOperations,
        ),
      },
    });
    return {
      id: 'sessions/sqlite',
      primitive: 'Commit sessions',
      backend: 'SQLite',
      baselineNote:
        "better-sqlite3 writing the same 2 × 100 values (100 bytes each) on tables of the adapter's layout: per dataset one write transaction with its 100 upserts and its marker. No session record: the MultiCommitter also writes the session as open before any dataset and as finished (plus its done record) after, each a durable write of its own, which is what lets a crashed session be replayed under the same id.",
      rows: [row],
    };
  } finally {
    await counted.close();
    await timed.close();
    raw.close();
    rawCounted.close();
  }
}

function rawRedisSession(redis: BenchRedis, namespace: string): () => Promise<unknown> {
  const fields: (string | Buffer)[] = [];
  for (let i = 0; i < CHANGES_PER_DATASET; i++) fields.push(`key-${i}`, Buffer.from(VALUE));
  return async () => {
    const key = `session-${String(nextSequence()).padStart(12, '0')}`;
    for (const dataset of DATASETS) {
      await redis.client
        .multi()
        .hset(`raw:{d:${namespace}-${dataset}}:rows`, ...fields)
        .hset(`raw:{d:${namespace}-${dataset}}:marker`, 'key', key, 'id', key)
        .exec();
    }
  };
}

export async function sessionsRedis(profile: BenchProfile, redis: BenchRedis): Promise<Section> {
  const adapter = createRedisAdapter({ client: redis.client }, { keyPrefix: 'bench-sessions' });
  await adapter.setup();
  const row = await compareRow(profile, {
    caseName: CASE,
    concurrency: 1,
    ours: await countedRedisContender(
      'checkpointkit MultiCommitter + 2 CommittableDatasets',
      oursSession(adapter, 'bench'),
      redis,
      profile,
    ),
    baseline: await countedRedisContender(
      'raw: per dataset MULTI, HSET of 100 fields, HSET marker, EXEC',
      rawRedisSession(redis, 'bench'),
      redis,
      profile,
    ),
  });
  await adapter.close();
  return {
    id: 'sessions/redis',
    primitive: 'Commit sessions',
    backend: 'Redis',
    baselineNote:
      'the same client writing the same 2 × 100 values (100 bytes each): per dataset one MULTI with one HSET of the 100 fields and one HSET of the marker. No session record (see SQLite above for what the MultiCommitter adds).',
    rows: [row],
  };
}
