// The whole conformance suite a second time on ':memory:' databases, where "another process" is a
// second adapter on the same better-sqlite3 Database object: the case that exercises the
// in-process gates hardest, because both adapters share one connection and its transaction.
// The test opens and closes each Database itself, so that closing the first adapter (which never
// closes a Database it was given) leaves the "other process" running.
import { runConformance } from '@checkpointkit/core/conformance';
import Database from 'better-sqlite3';
import { createSqliteAdapter, type SqliteAdapter, type SqliteTx } from '../src/index.js';
import { PROBE_DDL, probe } from './support.js';

runConformance<SqliteTx, SqliteAdapter>({
  name: 'sqlite (:memory:, one shared connection)',
  create: async ({ clock }) => {
    const database = new Database(':memory:');
    const adapter = createSqliteAdapter({ database, clock });
    await adapter.setup();
    await adapter.transaction(async (tx) => {
      tx.exec(PROBE_DDL);
    });
    return adapter;
  },
  reopen: async (adapter, { clock }) => createSqliteAdapter({ database: adapter.database, clock }),
  destroy: async (adapter) => {
    adapter.database.close();
  },
  probe,
});
