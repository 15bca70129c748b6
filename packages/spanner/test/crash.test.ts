// Crashes: a worker process (its own Spanner client) loops over one primitive and is killed with
// SIGKILL after a random delay — in the middle of a transaction, or of a Commit RPC — many rounds
// on one emulator database. After each kill the test process checks that nothing the worker
// acknowledged (over IPC, after the call returned) is lost, that nothing was applied twice — and
// the next round's worker continues the work from what survived.
import { combinedSessionId, datasetChangesId, toHex, utf8Encode } from '@checkpointkit/core';
import {
  type CrashRound,
  compactRounds,
  killMidway,
  operationCheckpointRounds,
} from '@checkpointkit/test-services';
import type { Database } from '@google-cloud/spanner';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createSpannerAdapter, type SpannerAdapter } from '../src/index.js';
import { query, toNumber } from '../src/transactions.js';
import { requireBuild, startWorker, type WorkerMessage } from './processes.js';
import { createTestDatabase, databaseId } from './support/emulator.js';
import { payload } from './workers/payload.mjs';

const hostPort = inject('spanner').plain;
const ROUNDS = 6;
/** Kill somewhere in the first second of the worker's loop (0 = at once). */
const MAX_KILL_DELAY_MS = 1000;

beforeAll(requireBuild);

async function freshDatabase(
  extraStatements: string[],
  prepare: (adapter: SpannerAdapter) => Promise<void> = async () => {},
): Promise<Database> {
  const database = await createTestDatabase(hostPort, 'crash', extraStatements);
  const adapter = createSpannerAdapter(database);
  await adapter.setup();
  await prepare(adapter);
  return database;
}

async function count(database: Database, sql: string): Promise<number> {
  const [row] = await query(database, { sql });
  return toNumber(row?.n);
}

/**
 * Starts the worker, kills it with SIGKILL after a random delay, and hands the round's
 * acknowledgements and a fresh adapter on the file (another process, after the crash) to `check`.
 */
async function crashRound(
  script: string,
  database: Database,
  options: object,
  round: number,
  check: (adapter: SpannerAdapter, r: CrashRound) => Promise<void>,
): Promise<CrashRound> {
  const worker = startWorker(script, hostPort, databaseId(database), options);
  const killed = await killMidway(worker, `round ${round}: ${script}`, {
    maxDelayMs: MAX_KILL_DELAY_MS,
    // The last round kills only after two acknowledged writes, so that every test proves its
    // rule on acknowledged work even when a loaded machine starts the workers slowly.
    minAcks: round === ROUNDS ? 2 : 0,
  });
  const r = { round, ...killed };
  const adapter = createSpannerAdapter(database);
  try {
    await check(adapter, r);
  } finally {
    await adapter.close();
  }
  return r;
}

describe('SIGKILL in the middle of work, many rounds', () => {
  it('runOnce: every acknowledged key has its checkpoint, every effect is committed exactly once with it', async () => {
    const database = await freshDatabase([
      'CREATE TABLE effects (Id STRING(36) NOT NULL, K STRING(MAX) NOT NULL, Worker INT64 NOT NULL) PRIMARY KEY (Id)',
    ]);
    let acknowledged = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await crashRound('crash-run-once.mjs', database, {}, round, async (adapter, r) => {
        const done = new Set(
          (await adapter.checkpoints.readAllForTesting()).map((c) => c.key.resourceId),
        );
        const effects = (
          await query(adapter.database, {
            sql: 'SELECT K AS k, COUNT(*) AS n FROM effects GROUP BY K',
          })
        ).map((e) => ({ k: e.k as string, n: toNumber(e.n) }));
        const what = `round ${round} (killed after ${r.delayMs} ms)`;
        // Atomic: an effect without its checkpoint, or twice, would be a torn or repeated step.
        for (const { k, n } of effects) {
          expect(n, `${what}: ${k}`).toBe(1);
          expect(done.has(k), `${what}: ${k} has an effect but no checkpoint`).toBe(true);
        }
        expect(effects.length, what).toBe(done.size);
        for (const ack of r.acks) expect(done.has(`key-${ack.k}`), what).toBe(true);
        acknowledged += r.acks.length;
      });
    }
    expect(acknowledged).toBeGreaterThan(0);
  });

  it('operation checkpoint: acknowledged checkpoints survive whole, ids stay contiguous and are never reused', async () => {
    const database = await freshDatabase([]);
    const rounds = operationCheckpointRounds(payload);
    for (let round = 1; round <= ROUNDS; round++) {
      await crashRound('crash-operation.mjs', database, {}, round, rounds.check);
    }
    rounds.done();
  });

  it('compact: the operation never loses its latest acknowledged data, and ids are never reused', async () => {
    const database = await freshDatabase([]);
    const rounds = compactRounds(payload);
    for (let round = 1; round <= ROUNDS; round++) {
      await crashRound('crash-operation.mjs', database, { compactEvery: 1 }, round, rounds.check);
    }
    rounds.done();
  });

  it('commit session: every session applies exactly once, recovery and replay give the same id', async () => {
    const database = await freshDatabase([
      'CREATE TABLE session_effects (Id STRING(36) NOT NULL, Changes INT64 NOT NULL) PRIMARY KEY (Id)',
    ]);
    // Session n applied exactly once, after sessions 1..n-1: the id every process must report.
    const expectedId = (n: number): string => {
      const v = utf8Encode(String(n));
      const ledger = datasetChangesId([
        { key: 'balance', value: v },
        { key: `entry-${n}`, value: v },
      ]);
      const orders = datasetChangesId([{ key: `order-${n}`, value: v }]);
      return toHex(
        combinedSessionId([
          ['ledger', ledger],
          ['orders', orders],
        ]),
      );
    };
    const verify = async (adapter: SpannerAdapter, what: string, acks: WorkerMessage[]) => {
      const ledger = adapter.sessions.committable('ledger');
      const orders = adapter.sessions.committable('orders');
      const balance = Number(
        Buffer.from((await ledger.get('balance')) ?? utf8Encode('0')).toString(),
      );
      const entries = (await ledger.keys()).filter((k) => k.startsWith('entry-'));
      const orderKeys = await orders.keys();
      const numbers = (keys: string[]) =>
        keys.map((k) => Number(/(\d+)$/.exec(k)?.[1])).sort((a, b) => a - b);
      const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
      // The ledger counts each session once; orders commit after the ledger (name order), so they
      // may be one session behind until recovery.
      expect(numbers(entries), what).toEqual(upTo(balance));
      const ordered = orderKeys.length;
      expect([balance - 1, balance], what).toContain(ordered);
      expect(numbers(orderKeys), what).toEqual(upTo(ordered));
      const effects = await count(adapter.database, 'SELECT COUNT(*) AS n FROM session_effects');
      expect(effects, `${what}: onCommit writes`).toBe(ordered);
      for (const ack of acks) {
        expect(ack.id, `${what}: ${String(ack.what)} ${String(ack.n)}`).toBe(
          expectedId(ack.n as number),
        );
        expect(ack.n as number, what).toBeLessThanOrEqual(ordered);
      }
    };
    let lastAcked: number | undefined;
    const seen = new Set<string>();
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await crashRound(
        'crash-session.mjs',
        database,
        { replay: lastAcked },
        round,
        (adapter, r) => verify(adapter, `round ${round} (killed after ${r.delayMs} ms)`, r.acks),
      );
      for (const ack of r.acks) {
        seen.add(String(ack.what));
        if (ack.what !== 'recovered') lastAcked = Math.max(lastAcked ?? 0, ack.n as number);
      }
    }
    // A last worker, not killed, recovers whatever the last kill left and finishes.
    const finisher = startWorker('crash-session.mjs', hostPort, databaseId(database), {
      sessions: (lastAcked ?? 0) + 2,
    });
    await finisher.message('ready');
    finisher.child.send({ type: 'go' });
    await finisher.message('done');
    expect((await finisher.exited).code).toBe(0);
    const adapter = createSpannerAdapter(database);
    try {
      await verify(
        adapter,
        'after the finisher',
        finisher.messages.filter((m) => m.type === 'ack'),
      );
      const orders = await adapter.sessions.committable('orders').keys();
      const balance = Number(
        Buffer.from(
          (await adapter.sessions.committable('ledger').get('balance')) ?? utf8Encode('0'),
        ).toString(),
      );
      expect(orders.length, 'the finisher recovered: the orders caught up with the ledger').toBe(
        balance,
      );
      // A kill can land after a commit and before its ack reached us: the last round may have
      // committed sessions we never saw acknowledged, and the finisher then starts after them.
      expect(
        orders.length,
        'every acknowledged session, and the finisher went past it',
      ).toBeGreaterThanOrEqual((lastAcked ?? 0) + 2);
    } finally {
      await adapter.close();
    }
    expect(seen.has('session')).toBe(true);
  });

  it('NodeStore.run: each generation adds exactly one, its commit(tx) writes land exactly once', async () => {
    const initial = { count: 0, cells: Array.from({ length: 2000 }, (_, i) => `cell ${i} -`) };
    const database = await freshDatabase(
      ['CREATE TABLE node_effects (Count INT64 NOT NULL) PRIMARY KEY (Count)'],
      async (a) => {
        await a.nodes({ shardBytes: 1024 }).for('crash-state').create(initial);
      },
    );
    let generation = 1;
    for (let round = 1; round <= ROUNDS; round++) {
      await crashRound('crash-node-run.mjs', database, {}, round, async (adapter, r) => {
        const what = `round ${round} (killed after ${r.delayMs} ms)`;
        const store = adapter.nodes<typeof initial>({ shardBytes: 1024 }).new('crash-state');
        const state = await store.get();
        expect(state.count, what).toBe(store.generation - 1);
        expect(store.generation, what).toBeGreaterThanOrEqual(generation);
        // Count is the table's key: a commit(tx) applied twice would have failed its commit,
        // so the check is that every generation's write is there, once, in order.
        const effects = (
          await query(adapter.database, {
            sql: 'SELECT Count AS count FROM node_effects ORDER BY Count',
          })
        ).map((e) => ({ count: toNumber(e.count), n: 1 }));
        expect(
          effects.map((e) => e.count),
          what,
        ).toEqual(Array.from({ length: state.count }, (_, i) => i + 1));
        expect(
          effects.every((e) => e.n === 1),
          `${what}: commit(tx) applied twice`,
        ).toBe(true);
        for (const ack of r.acks) {
          expect(ack.generation as number, what).toBeLessThanOrEqual(store.generation);
          expect(ack.count, what).toBe((ack.generation as number) - 1);
        }
        // Shards a killed run wrote before its root are orphans: clean removes them, not the state.
        await store.clean({ graceMs: 0 });
        expect(await adapter.nodes<typeof initial>().new('crash-state').get(), what).toEqual(state);
        generation = store.generation;
      });
    }
    expect(generation).toBeGreaterThan(1);
  });
});
