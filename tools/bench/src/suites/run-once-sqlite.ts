/**
 * Run-once checkpoints on SQLite against better-sqlite3 doing the same with prepared statements
 * on an identical table: `exists` (SELECT), `tryInsert` (BEGIN IMMEDIATE, SELECT, INSERT,
 * COMMIT) and `runOnce` with one user write (the same plus the user's INSERT), at 1 and 32
 * callers. better-sqlite3 is synchronous and the adapter queues writes per file, so 32 callers
 * take turns on both sides alike: the baseline's calls are synchronous and cannot overlap either.
 */
import type { CheckpointKey } from '@checkpointkit/core';
import { requestsPerOp } from '../counting/requests-per-op.js';
import { countStatements } from '../counting/sqlite-statements.js';
import type { Contender } from '../measure/contender.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { minimumRatio } from '../report/targets.js';
import { nextSequence } from '../sequence.js';
import {
  type BenchSqliteAdapter,
  openRawDatabase,
  openSqliteAdapter,
  type SqliteDatabase,
  sqlitePath,
} from '../services/sqlite-files.js';
import { compareRow } from './comparison-row.js';
import { RESULT_1KIB, RESULT_1KIB_JSON } from './run-once-redis.js';

const TTL_MS = 86_400_000;
/** Keys that `exists` finds (a hit, the common case of a resumed job). */
const EXISTING_KEYS = 1_000;
const CHARGES_DDL =
  'CREATE TABLE IF NOT EXISTS charges (order_id TEXT PRIMARY KEY, cents INTEGER NOT NULL)';

const freshKey = (): CheckpointKey => ({
  project: 'bench',
  resourceId: `order-${nextSequence()}`,
  processId: 'billing/charge',
});
const existingKey = (i: number): CheckpointKey => ({
  project: 'bench',
  resourceId: `existing-${i % EXISTING_KEYS}`,
  processId: 'billing/charge',
});

type Operation = 'exists' | 'tryInsert' | 'runOnce' | 'runOnceResult';

function ours(bench: BenchSqliteAdapter): Record<Operation, () => Promise<unknown>> {
  const { checkpoints, database } = bench.adapter;
  database.exec(CHARGES_DDL);
  // The user's statement, prepared once on the adapter's connection (the Tx is that connection).
  const charge = database.prepare('INSERT INTO charges (order_id, cents) VALUES (?, ?)');
  let probe = 0;
  return {
    exists: () => checkpoints.exists(existingKey(probe++)),
    tryInsert: () => checkpoints.tryInsert(freshKey(), { ttlMs: TTL_MS }),
    runOnce: () => {
      const key = freshKey();
      // `charge` was prepared on the connection that is the tx: the user's write joins it.
      return checkpoints.runOnce(key, { ttlMs: TTL_MS }, async () => {
        charge.run(key.resourceId, 1999);
      });
    },
    runOnceResult: () => {
      const key = freshKey();
      return checkpoints.runOnce(key, { ttlMs: TTL_MS, result: 'json' }, async () => {
        charge.run(key.resourceId, 1999);
        return RESULT_1KIB;
      });
    },
  };
}

function raw(db: SqliteDatabase): Record<Operation, () => Promise<unknown>> {
  db.exec(CHARGES_DDL);
  const read = db.prepare(
    `SELECT expiry_ms FROM raw_checkpoints
      WHERE project = ? AND resource_id = ? AND process_id = ? AND uniquifier = ''`,
  );
  const insert = db.prepare(
    `INSERT OR REPLACE INTO raw_checkpoints
      (project, resource_id, process_id, uniquifier, creation_ms, expiry_ms) VALUES (?, ?, ?, '', ?, ?)`,
  );
  const charge = db.prepare('INSERT INTO charges (order_id, cents) VALUES (?, ?)');
  const keepResult = db.prepare(
    `INSERT OR REPLACE INTO raw_checkpoint_results (project, resource_id, process_id, uniquifier, result)
      VALUES (?, ?, ?, '', ?)`,
  );
  const isLive = (key: CheckpointKey, nowMs: number): boolean => {
    const row = read.get(key.project, key.resourceId, key.processId) as
      | { expiry_ms: number }
      | undefined;
    return row !== undefined && row.expiry_ms > nowMs;
  };
  // better-sqlite3's transaction(...).immediate: BEGIN IMMEDIATE … COMMIT around the function.
  const tryInsert = db.transaction((key: CheckpointKey, nowMs: number): boolean => {
    if (isLive(key, nowMs)) return false;
    insert.run(key.project, key.resourceId, key.processId, nowMs, nowMs + TTL_MS);
    return true;
  }).immediate;
  const runOnce = db.transaction((key: CheckpointKey, nowMs: number): boolean => {
    if (isLive(key, nowMs)) return false;
    charge.run(key.resourceId, 1999);
    insert.run(key.project, key.resourceId, key.processId, nowMs, nowMs + TTL_MS);
    return true;
  }).immediate;
  const runOnceResult = db.transaction((key: CheckpointKey, nowMs: number): boolean => {
    if (isLive(key, nowMs)) return false;
    charge.run(key.resourceId, 1999);
    insert.run(key.project, key.resourceId, key.processId, nowMs, nowMs + TTL_MS);
    keepResult.run(key.project, key.resourceId, key.processId, Buffer.from(RESULT_1KIB_JSON));
    return true;
  }).immediate;
  let probe = 0;
  return {
    exists: async () => isLive(existingKey(probe++), Date.now()),
    runOnceResult: async () => runOnceResult(freshKey(), Date.now()),
    tryInsert: async () => tryInsert(freshKey(), Date.now()),
    runOnce: async () => runOnce(freshKey(), Date.now()),
  };
}

const RAW_LABELS: Record<Operation, string> = {
  exists: 'raw: SELECT',
  tryInsert: 'raw: BEGIN IMMEDIATE, SELECT, INSERT, COMMIT',
  runOnce: 'raw: BEGIN IMMEDIATE, SELECT, INSERT (user), INSERT, COMMIT',
  runOnceResult: 'raw: the same, and INSERT of the 1 KiB response',
};
const CASE_NAMES: Record<Operation, string> = {
  exists: '`exists` (hit)',
  tryInsert: '`tryInsert` (new key)',
  runOnce: '`runOnce` + 1 user write',
  runOnceResult: '`runOnce` + 1 user write + 1 KiB result',
};

export async function runOnceSqlite(profile: BenchProfile, dir: string): Promise<Section> {
  const adapterPath = sqlitePath(dir, 'run-once');
  const rawPath = sqlitePath(dir, 'run-once-raw');
  const timedAdapter = await openSqliteAdapter(adapterPath);
  const timedRaw = openRawDatabase(rawPath);
  const statements = countStatements();
  const countedAdapter = await openSqliteAdapter(adapterPath, { counter: statements });
  const countedRaw = openRawDatabase(rawPath, { counter: statements });
  try {
    for (let i = 0; i < EXISTING_KEYS; i++) {
      await timedAdapter.adapter.checkpoints.insert(existingKey(i), { ttlMs: TTL_MS });
    }
    const insertRaw = timedRaw.prepare(
      `INSERT INTO raw_checkpoints (project, resource_id, process_id, uniquifier, creation_ms, expiry_ms)
        VALUES (?, ?, ?, '', ?, ?)`,
    );
    timedRaw.transaction(() => {
      for (let i = 0; i < EXISTING_KEYS; i++) {
        const key = existingKey(i);
        insertRaw.run(key.project, key.resourceId, key.processId, Date.now(), Date.now() + TTL_MS);
      }
    })();

    const timed = { ours: ours(timedAdapter), raw: raw(timedRaw) };
    const counted = { ours: ours(countedAdapter), raw: raw(countedRaw) };
    const rows: ComparisonRow[] = [];
    for (const operation of ['exists', 'tryInsert', 'runOnce', 'runOnceResult'] as const) {
      const oursStatements = await requestsPerOp(
        counted.ours[operation],
        statements.read,
        profile.countingOperations,
      );
      const rawStatements = await requestsPerOp(
        counted.raw[operation],
        statements.read,
        profile.countingOperations,
      );
      const oursSide: Contender = {
        label: `checkpointkit ${operation}`,
        op: timed.ours[operation],
        requestsPerOp: oursStatements,
      };
      const rawSide: Contender = {
        label: RAW_LABELS[operation],
        op: timed.raw[operation],
        requestsPerOp: rawStatements,
      };
      for (const concurrency of [1, 32]) {
        rows.push(
          await compareRow(profile, {
            caseName: CASE_NAMES[operation],
            concurrency,
            ours: oursSide,
            baseline: rawSide,
            ...(operation === 'runOnce'
              ? {
                  target: (ratio) =>
                    minimumRatio(0.8, 'raw', ratio, () =>
                      runOnceWhy(oursStatements, rawStatements),
                    ),
                }
              : {}),
          }),
        );
      }
    }
    return {
      id: 'run-once/sqlite',
      primitive: 'Run-once checkpoints',
      backend: 'SQLite',
      baselineNote:
        "better-sqlite3 with prepared statements on a table of the same layout (the adapter's own DDL under another prefix), in a file opened like the adapter's (WAL, `synchronous=FULL`, busy_timeout 5 s). 32 callers are 32 async loops in one process; SQLite writes are serialized on both sides (the adapter queues them per file; the raw calls are synchronous).",
      rows,
    };
  } finally {
    await countedAdapter.close();
    countedRaw.close();
    await timedAdapter.close();
    timedRaw.close();
  }
}

function runOnceWhy(oursStatements: number, rawStatements: number): string {
  return `ours runs ${oursStatements} statements per call where the raw transaction runs ${rawStatements}, and adds core's key validation, the per-file write queue and the async hops around the user's callback; with synchronous=FULL every commit also waits for the WAL fsync, which both sides pay.`;
}
