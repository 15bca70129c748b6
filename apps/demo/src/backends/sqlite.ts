/**
 * The embedded default: one SQLite file in the data folder holds checkpointkit's tables and the
 * demo's own `demo_effects` table, which runOnce writes in the same transaction as each
 * order's checkpoint.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteAdapter, type SqliteTx } from '@checkpointkit/sqlite';
import type { ShopTotal } from '../stream.js';
import type { DemoBackend } from './backend.js';
import type { BackendOptions } from './open.js';

export async function openSqliteBackend(options: BackendOptions): Promise<DemoBackend<SqliteTx>> {
  const file = join(options.dataDir, 'demo.sqlite');
  if (options.reset) {
    // The database only: a service another backend left in the data folder is not SQLite's.
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
  const adapter = createSqliteAdapter({ path: file });
  await adapter.setup();
  const db = adapter.database;
  db.exec(`CREATE TABLE IF NOT EXISTS demo_effects (
    order_id TEXT PRIMARY KEY,
    shop TEXT NOT NULL,
    amount_cents INTEGER NOT NULL
  )`);
  // The Tx runOnce hands over is a connection inside its open transaction: the effect's INSERT
  // commits with the checkpoint or not at all. Statements are prepared once per connection.
  type InsertEffect = { run(orderId: string, shop: string, amountCents: number): unknown };
  const inserts = new WeakMap<SqliteTx, InsertEffect>();
  const insertEffect = (tx: SqliteTx): InsertEffect => {
    let statement = inserts.get(tx);
    if (!statement) {
      statement = tx.prepare<[string, string, number]>(
        'INSERT INTO demo_effects (order_id, shop, amount_cents) VALUES (?, ?, ?)',
      );
      inserts.set(tx, statement);
    }
    return statement;
  };
  const totals = db.prepare<[], { shop: string; count: number; amountCents: number }>(
    'SELECT shop, COUNT(*) AS count, SUM(amount_cents) AS amountCents FROM demo_effects GROUP BY shop ORDER BY shop',
  );
  return {
    name: 'sqlite',
    adapter,
    recordEffect(tx, event) {
      insertEffect(tx).run(event.id, event.shop, event.amountCents);
    },
    async effectTotals(): Promise<Map<string, ShopTotal>> {
      return new Map(
        totals.all().map((r) => [r.shop, { count: r.count, amountCents: r.amountCents }]),
      );
    },
    close: () => adapter.close(),
  };
}
