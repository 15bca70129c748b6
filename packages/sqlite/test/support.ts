/** What the tests share: temp database files, the probe table, opening adapters on a file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@checkpointkit/core';
import type { ConformanceProbe } from '@checkpointkit/core/conformance';
import type Database from 'better-sqlite3';
import { createSqliteAdapter, type SqliteAdapter, type SqliteTx } from '../src/index.js';

/** A fresh folder under the OS temp dir; `remove` deletes it with the database and its WAL. */
export function tempDir(prefix = 'ck-sqlite-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The users' own table the conformance probe writes to, inside our transactions. */
export const PROBE_DDL =
  'CREATE TABLE IF NOT EXISTS probe_user (k TEXT PRIMARY KEY, v TEXT NOT NULL)';

export const probe: ConformanceProbe<SqliteTx> = {
  writeInTx: (tx: Database.Database, key: string, value: string) => {
    tx.prepare('INSERT OR REPLACE INTO probe_user (k, v) VALUES (?, ?)').run(key, value);
  },
  read: (adapter, key) =>
    adapter.transaction(async (tx) => {
      const row = tx.prepare('SELECT v FROM probe_user WHERE k = ?').get(key) as
        | { v: string }
        | undefined;
      return row?.v ?? null;
    }),
  // A careless callback committing the adapter's transaction on the connection itself.
  endTransaction: (tx) => {
    tx.exec('COMMIT');
  },
};

/** An adapter on `path`, set up, with the probe table. */
export async function openFile(
  path: string,
  clock?: Clock,
  options: { readonly busyTimeoutMs?: number } = {},
): Promise<SqliteAdapter> {
  const adapter = createSqliteAdapter({ path, clock, ...options });
  await adapter.setup();
  await adapter.transaction(async (tx) => {
    tx.exec(PROBE_DDL);
  });
  return adapter;
}
