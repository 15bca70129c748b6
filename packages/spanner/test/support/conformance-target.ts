/**
 * The conformance target on the emulator: every adapter the suite creates gets a database of
 * its own (the emulator runs one read-write transaction at a time per database, so tests in
 * other files never abort this one's), set up, with the users' probe table next to ours.
 * Every adapter — created or reopened — talks through a Spanner client of its own (its own
 * sessions and connection, as another process would), so that a lost reply injected on one
 * adapter's connection (./lost-replies.ts) touches no other.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConformanceProbe, ConformanceTarget } from '@checkpointkit/core/conformance';
import { type Database, Spanner } from '@google-cloud/spanner';
import { inject } from 'vitest';
import { createSpannerAdapter, type SpannerAdapter, type SpannerTx } from '../../src/index.js';
import { query } from '../../src/transactions.js';
import { requireBuild } from '../processes.js';
import {
  createTestDatabase,
  databaseId,
  dropTestDatabase,
  emulatorClient,
  TEST_INSTANCE,
  TEST_PROJECT,
} from './emulator.js';
import { loseNextCommitReply } from './lost-replies.js';

/** The users' own table the conformance probe writes to, inside our transactions. */
export const PROBE_DDL =
  'CREATE TABLE probe_user (K STRING(MAX) NOT NULL, V STRING(MAX) NOT NULL) PRIMARY KEY (K)';

/**
 * The emulator aborts every read-write transaction that overlaps another on the same database,
 * so the concurrency cases (4 adapters racing) live on retries: more attempts than the default,
 * with short jittered backoff. Every abort still goes through core's policy.
 */
export const TEST_RETRY = { maxAttempts: 100, baseDelayMs: 5, maxDelayMs: 500 };

export const probe: ConformanceProbe<SpannerTx> = {
  writeInTx: (tx, key, value) => {
    tx.upsert('probe_user', { K: key, V: value });
  },
  read: async (adapter, key) => {
    const rows = await query((adapter as SpannerAdapter).database, {
      sql: 'SELECT V FROM probe_user WHERE K = @key',
      params: { key },
    });
    return (rows[0]?.V as string | undefined) ?? null;
  },
  // A careless callback committing the adapter's transaction itself.
  endTransaction: async (tx) => {
    await tx.commit();
  },
};

export function conformanceTarget(
  emulator: 'plain' | 'faulty',
): ConformanceTarget<SpannerTx, SpannerAdapter> {
  const hostPort = inject('spanner')[emulator];
  /** Per created adapter: its database (for drop) and every client opened on it. */
  const opened = new Map<string, { spanner: Spanner; database: Database }[]>();
  const clientOf = new WeakMap<SpannerAdapter, Spanner>();

  async function open(id: string, clock: () => number): Promise<SpannerAdapter> {
    await emulatorClient(hostPort); // the emulator's environment and instance
    const spanner = new Spanner({ projectId: TEST_PROJECT });
    const database = spanner.instance(TEST_INSTANCE).database(id, { min: 1 });
    const list = opened.get(id) ?? [];
    list.push({ spanner, database });
    opened.set(id, list);
    const adapter = createSpannerAdapter(database, { clock, retry: TEST_RETRY });
    clientOf.set(adapter, spanner);
    return adapter;
  }

  return {
    name: emulator === 'plain' ? 'spanner (emulator)' : 'spanner (emulator, fault injection)',
    create: async ({ clock }) => {
      const made = await createTestDatabase(hostPort, 'conf', [PROBE_DDL]);
      const adapter = await open(databaseId(made), clock);
      await adapter.setup();
      return adapter;
    },
    reopen: (adapter, { clock }) => open(databaseId(adapter.database), clock),
    destroy: async (adapter) => {
      const id = databaseId(adapter.database);
      for (const { spanner, database } of opened.get(id) ?? []) {
        await database.close();
        spanner.close();
      }
      opened.delete(id);
      const admin = (await emulatorClient(hostPort)).instance(TEST_INSTANCE).database(id);
      await dropTestDatabase(hostPort, admin);
    },
    probe,
    // The twin runs the built package in a child process, on the case's database.
    twinProcess: {
      start: async (adapter, { nowMs }) => {
        requireBuild();
        return fork(
          fileURLToPath(new URL('../workers/twin.mjs', import.meta.url)),
          [hostPort, databaseId(adapter.database), JSON.stringify({ nowMs })],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        );
      },
    },
    faults: {
      async loseNextReply(adapter: SpannerAdapter, options = {}) {
        const spanner = clientOf.get(adapter);
        if (!spanner) throw new Error('loseNextReply: not an adapter of this target');
        // The adapter's first request creates its gapic client; setup() or any read has run.
        return loseNextCommitReply(spanner, options);
      },
    },
  };
}
