// §3 "Refreshing must not scan the whole history": a refresh issues the same statements, each
// returning at most one row, whether a partition's history holds a few timestamps or hundreds.
// (The emulator's query statistics report rows returned, not rows scanned; that every statement
// is an ORDER BY … LIMIT 1 seek on a key or index prefix is in src/groups.ts and schema.ts.)
import { hlc } from '@checkpointkit/core';
import { type Database, Spanner } from '@google-cloud/spanner';
import { describe, expect, inject, it } from 'vitest';
import { createSpannerAdapter } from '../src/index.js';
import {
  createTestDatabase,
  databaseId,
  emulatorClient,
  TEST_INSTANCE,
  TEST_PROJECT,
} from './support/emulator.js';

const hostPort = inject('spanner').plain;

interface Statement {
  readonly sql: string;
  readonly rows: number;
}

/** Records every statement run on snapshots of `database` (refreshes read one snapshot). */
function recordSnapshotStatements(database: Database): Statement[] {
  const statements: Statement[] = [];
  const getSnapshot = database.getSnapshot.bind(database) as unknown as (
    ...args: unknown[]
  ) => Promise<[{ run: (query: { sql: string }) => Promise<[unknown[]]> }]>;
  (database as unknown as { getSnapshot: unknown }).getSnapshot = async (...args: unknown[]) => {
    const [snapshot] = await getSnapshot(...args);
    const run = snapshot.run.bind(snapshot);
    snapshot.run = async (query) => {
      const result = await run(query);
      statements.push({ sql: query.sql, rows: result[0].length });
      return result;
    };
    return [snapshot];
  };
  return statements;
}

describe('checkpoint group refresh cost', () => {
  it('does not grow with the length of the history', async () => {
    const database = await createTestDatabase(hostPort, 'seeks');
    const writer = createSpannerAdapter(database);
    await writer.setup();
    // The reader is another process: its own client, and no writes of its own that would
    // trigger background refreshes while the statements are counted.
    await emulatorClient(hostPort);
    const readerDatabase = new Spanner({ projectId: TEST_PROJECT })
      .instance(TEST_INSTANCE)
      .database(databaseId(database));
    const statements = recordSnapshotStatements(readerDatabase);
    const reader = createSpannerAdapter(readerDatabase);
    const writes = await writer.groups.start('orders', { lookahead: 4, pollIntervalMs: 60_000 });
    const reads = await reader.groups.start('orders', { lookahead: 4, pollIntervalMs: 60_000 });
    try {
      // Every partition: an applied prefix, then an unapplied tail — a short history.
      await writes.ensure(['p1', 'p2', 'p3']);
      for (const p of ['p1', 'p2', 'p3']) {
        for (let t = 1; t <= 5; t++) await writes.advance(p, hlc(t));
      }
      await writes.commit({ min: hlc(0), max: hlc(3) });
      statements.length = 0;
      await reads.refresh();
      const short = [...statements];

      // The same shape with a long history on p1: 350 applied timestamps, then unapplied ones.
      for (let t = 6; t <= 400; t++) await writes.advance('p1', hlc(t));
      await writes.commit({ min: hlc(0), max: hlc(350) });
      for (const p of ['p2', 'p3']) {
        for (let t = 6; t <= 8; t++) await writes.advance(p, hlc(t));
      }
      statements.length = 0;
      const window = await reads.refresh();
      const long = [...statements];

      expect(window.min, '§3 the window sits at the least common maximum').toEqual(hlc(5));
      expect(short.length, 'a refresh reads the partitions by seeks').toBeGreaterThan(0);
      expect(
        long.map((s) => s.sql),
        '§3 refresh: the same statements with 400 timestamps as with 5',
      ).toEqual(short.map((s) => s.sql));
      for (const s of long) {
        expect(s.rows, `§3 refresh: every statement is a seek (${s.sql})`).toBeLessThanOrEqual(1);
      }
    } finally {
      await writes.stop();
      await reads.stop();
      await readerDatabase.close();
    }
  });
});
