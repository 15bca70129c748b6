// The whole conformance suite against SQLite files, nothing skipped: each case gets a fresh file
// in its own temp folder; `reopen` opens a second connection to that file, as another process would;
// the twin process (general/processes/…) is a real one, ./workers/twin.mjs, meeting this one only in
// SQLite's locking.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConformance } from '@checkpointkit/core/conformance';
import { createSqliteAdapter, type SqliteAdapter, type SqliteTx } from '../src/index.js';
import { requireBuild } from './processes.js';
import { openFile, probe, tempDir } from './support.js';

const folders = new Map<SqliteAdapter, () => void>();

/**
 * Shorter than the lock the twin holds in general/processes/write-waits-for-lock (3 s), so that
 * SQLite does report busy there and the retry policy has to take over from busy_timeout's wait.
 */
const busyTimeoutMs = 1000;

runConformance<SqliteTx, SqliteAdapter>({
  name: 'sqlite (file)',
  create: async ({ clock }) => {
    const { dir, remove } = tempDir();
    const adapter = await openFile(join(dir, 'checkpoints.db'), clock, { busyTimeoutMs });
    folders.set(adapter, remove);
    return adapter;
  },
  reopen: async (adapter, { clock }) =>
    createSqliteAdapter({ path: adapter.database.name, clock, busyTimeoutMs }),
  destroy: async (adapter) => {
    folders.get(adapter)?.();
    folders.delete(adapter);
  },
  probe,
  twinProcess: {
    start: async (adapter, { nowMs }) => {
      requireBuild(); // the twin runs the built package, as the other workers do
      return fork(
        fileURLToPath(new URL('./workers/twin.mjs', import.meta.url)),
        [adapter.database.name, String(nowMs)],
        { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
      );
    },
  },
});
