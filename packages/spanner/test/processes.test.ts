// Several real processes on one emulator database, each with its own Spanner client (its own
// sessions), meeting only in Spanner's transactions: the emulator aborts overlapping read-write
// transactions, and core's retry policy runs them again.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createSpannerAdapter } from '../src/index.js';
import { query, toNumber } from '../src/transactions.js';
import { race, requireBuild, startWorker } from './processes.js';
import { createTestDatabase, databaseId } from './support/emulator.js';

const hostPort = inject('spanner').plain;

beforeAll(requireBuild);

const EFFECTS_DDL =
  'CREATE TABLE effects (Id STRING(36) NOT NULL, K STRING(MAX) NOT NULL, Worker INT64 NOT NULL) PRIMARY KEY (Id)';

describe('several processes on one Spanner database', () => {
  it('2 processes racing runOnce on the same 150 keys commit each user effect exactly once', async () => {
    const database = await createTestDatabase(hostPort, 'race', [EFFECTS_DDL]);
    const adapter = createSpannerAdapter(database);
    await adapter.setup();
    const keys = 150;
    const done = await race(2, (worker) =>
      startWorker('race-run-once.mjs', hostPort, databaseId(database), { worker, keys }),
    );
    const ran = done.map((m) => m.ran as number);
    expect(
      ran.reduce((a, b) => a + b, 0),
      '§1 each key ran once across both processes',
    ).toBe(keys);
    // They really raced: both were inside their loops before the first one finished.
    const lastStart = Math.max(...done.map((m) => m.startedAt as number));
    const firstEnd = Math.min(...done.map((m) => m.endedAt as number));
    expect(lastStart).toBeLessThanOrEqual(firstEnd);
    const [counts] = await query(database, {
      sql: 'SELECT COUNT(*) AS effects, COUNT(DISTINCT K) AS distinctKeys FROM effects',
    });
    expect(toNumber(counts?.effects), '§1 no effect committed twice').toBe(keys);
    expect(toNumber(counts?.distinctKeys), '§1 no effect lost').toBe(keys);
    expect((await adapter.checkpoints.readAllForTesting()).length).toBe(keys);
  });

  it('setup() called twice by each of 2 processes at once on a fresh database creates the schema once', async () => {
    const database = await createTestDatabase(hostPort, 'setup');
    await race(2, (worker) => startWorker('setup.mjs', hostPort, databaseId(database), { worker }));
    const adapter = createSpannerAdapter(database);
    expect(
      await adapter.checkpoints.exists({
        project: 'setup',
        resourceId: 'worker-0',
        processId: 'ran',
      }),
    ).toBe(true);
    expect(
      await adapter.checkpoints.exists({
        project: 'setup',
        resourceId: 'worker-1',
        processId: 'ran',
      }),
    ).toBe(true);
    const [row] = await query(database, {
      sql: `SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '' AND STARTS_WITH(TABLE_NAME, 'checkpointkit_')`,
    });
    expect(toNumber(row?.n)).toBe(10);
  });
});
