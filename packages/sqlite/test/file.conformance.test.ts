// The whole conformance suite against SQLite files, nothing skipped: each case gets a fresh file
// in its own temp folder; `reopen` opens a second connection to that file, as another process would.
import { join } from 'node:path';
import { runConformance } from '@checkpointkit/core/conformance';
import { createSqliteAdapter, type SqliteAdapter, type SqliteTx } from '../src/index.js';
import { openFile, probe, tempDir } from './support.js';

const folders = new Map<SqliteAdapter, () => void>();

runConformance<SqliteTx, SqliteAdapter>({
  name: 'sqlite (file)',
  create: async ({ clock }) => {
    const { dir, remove } = tempDir();
    const adapter = await openFile(join(dir, 'checkpoints.db'), clock);
    folders.set(adapter, remove);
    return adapter;
  },
  reopen: async (adapter, { clock }) => createSqliteAdapter({ path: adapter.database.name, clock }),
  destroy: async (adapter) => {
    folders.get(adapter)?.();
    folders.delete(adapter);
  },
  probe,
});
