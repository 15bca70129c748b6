// Checkpoint-group refresh does not scan history: every statement behind a refresh, advance,
// commit and scanUnresolved is an index SEARCH (SQLite's own query plan says so), and a window
// over a long history comes out right — and unchanged by prune(), which drops that history.
import { formatHlc, type HlcRange, hlc } from '@checkpointkit/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { groupStatements } from '../src/groups.js';
import { createSqliteAdapter } from '../src/index.js';
import { sqliteDdl, tableNames } from '../src/schema.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const show = (r: HlcRange): string => `[${formatHlc(r.min)}, ${formatHlc(r.max)})`;

describe('checkpoint groups on indexes', () => {
  it('every group statement is an index search, never a scan', () => {
    const db = new Database(':memory:');
    cleanup.push(() => db.close());
    for (const statement of sqliteDdl()) db.exec(statement);
    const params = {
      group: 'g',
      partition: 'p',
      nanos: 1n,
      logical: 0,
      offset: 3,
      after: '',
      minNanos: 0n,
      minLogical: 0,
      maxNanos: 9n,
      maxLogical: 0,
      applied: 0,
    };
    for (const [name, sql] of Object.entries(groupStatements(tableNames('checkpointkit')))) {
      if (sql.startsWith('INSERT')) continue;
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((row) => (row as { detail: string }).detail);
      expect(plan.length, name).toBeGreaterThan(0);
      for (const step of plan) expect(step, `${name}: ${step}`).toMatch(/^SEARCH /);
    }
  });

  it('a window over a long history is found by seeks and survives prune()', async () => {
    const adapter = createSqliteAdapter({ path: ':memory:' });
    cleanup.push(() => adapter.close());
    await adapter.setup();
    const group = await adapter.groups.start('orders', { lookahead: 2, pollIntervalMs: 60_000 });
    cleanup.push(() => group.stop());
    await group.ensure(['a', 'b']);
    // 50,000 applied timestamps per partition, written directly: the history a long-lived
    // group accumulates without prune().
    const insert = adapter.database.prepare(
      'INSERT INTO checkpointkit_group_timestamps VALUES (?, ?, ?, 0, 1)',
    );
    adapter.database.transaction(() => {
      for (const p of ['a', 'b']) for (let t = 1; t <= 50_000; t++) insert.run('orders', p, t);
    })();
    for (let t = 50_001; t <= 50_010; t++) {
      await group.advance('a', hlc(t));
      await group.advance('b', hlc(t));
    }
    const started = performance.now();
    const window = await group.refresh();
    const refreshMs = performance.now() - started;
    expect(show(window)).toBe(show({ min: hlc(50_000), max: hlc(50_002, 1) }));
    expect(refreshMs).toBeLessThan(1_000); // a scan would still pass this; the plans above are the proof
    expect(await group.prune()).toBe(2 * 50_000); // the origin and 1..49,999 of each
    expect(show(await group.refresh())).toBe(show(window));
    expect(await adapter.groups.scanUnresolved()).toEqual(['orders']);
  });
});
