// Several real processes on one database file, each with its own connection, meeting only in
// SQLite's own locking (WAL, busy_timeout, BEGIN IMMEDIATE).
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteAdapter } from '../src/index.js';
import { race, requireBuild, startWorker } from './processes.js';
import { openFile, tempDir } from './support.js';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.reverse()) step();
  cleanup = [];
});

beforeAll(requireBuild);

async function database(): Promise<{ path: string; adapter: SqliteAdapter }> {
  const { dir, remove } = tempDir();
  const path = join(dir, 'shared.db');
  const adapter = await openFile(path);
  cleanup.push(remove);
  cleanup.push(() => void adapter.close());
  return { path, adapter };
}

describe('several processes on one SQLite file', () => {
  it('4 processes racing runOnce on the same 1,000 keys commit each user effect exactly once', async () => {
    const { path, adapter } = await database();
    adapter.database.exec(
      'CREATE TABLE effects (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL, worker INTEGER NOT NULL)',
    );
    const keys = 1000;
    const done = await race(4, (worker) =>
      startWorker('race-run-once.mjs', path, { worker, keys }),
    );
    const ran = done.map((m) => m.ran as number);
    expect(ran.reduce((a, b) => a + b, 0)).toBe(keys);
    // They really raced: every worker was inside its loop before the first one finished. (Which
    // of them wins how many keys is up to SQLite's busy handler, which is not fair: under load
    // one process can take every key while the others sleep in busy_timeout.)
    const lastStart = Math.max(...done.map((m) => m.startedAt as number));
    const firstEnd = Math.min(...done.map((m) => m.endedAt as number));
    expect(lastStart).toBeLessThanOrEqual(firstEnd);
    const db = adapter.database;
    expect(db.prepare('SELECT count(*) FROM effects').pluck().get()).toBe(keys);
    expect(db.prepare('SELECT count(DISTINCT k) FROM effects').pluck().get()).toBe(keys);
    expect((await adapter.checkpoints.readAllForTesting()).length).toBe(keys);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('2 processes running NodeStore.run increments on one id lose no update', async () => {
    const { path, adapter } = await database();
    await adapter.nodes<{ count: number }>().for('counter').create({ count: 0 });
    const runs = 150;
    const done = await race(2, () => startWorker('node-increments.mjs', path, { runs }));
    const generations = done.flatMap((m) => m.generations as number[]);
    expect(new Set(generations).size).toBe(2 * runs); // every generation granted once
    expect(Math.max(...generations)).toBe(2 * runs + 1);
    for (const m of done) {
      const mine = m.generations as number[];
      expect([...mine].sort((a, b) => a - b)).toEqual(mine);
    }
    const final = adapter.nodes<{ count: number }>().new('counter');
    expect((await final.get()).count).toBe(2 * runs);
    expect(final.generation).toBe(2 * runs + 1);
  });

  it('operation checkpoints from 2 processes get distinct, ordered ids', async () => {
    const { path, adapter } = await database();
    const steps = 300;
    const done = await race(2, (worker) =>
      startWorker('operation-checkpoints.mjs', path, { worker, steps }),
    );
    const all = done.flatMap((m) => m.ids as string[]);
    expect(new Set(all).size).toBe(2 * steps);
    for (const m of done) {
      const ids = m.ids as string[];
      expect([...ids].sort()).toEqual(ids);
    }
    const op = adapter.operations.open('shared-import');
    expect(await op.list()).toEqual([...all].sort());
    // The counter is persisted: the ids are exactly 1..600, none skipped or reused.
    expect((await op.list()).map(Number)).toEqual(
      Array.from({ length: 2 * steps }, (_, i) => i + 1),
    );
    for (const id of all) {
      const checkpoint = await op.load(id);
      expect(checkpoint.label).toMatch(/^w[01]-\d+$/);
    }
  });
});
