/**
 * Run-once checkpoints on Cloud Spanner (the emulator): `runOnce` with one user write — a row of
 * `bench_charges` buffered on the adapter's tx, the Spanner Transaction — against the same client
 * running the same read-write transaction by hand: read the key, insert the checkpoint row and the
 * user's row, commit (`Database.runTransactionAsync`), on the adapter's table layout under another
 * prefix (./../services/spanner-service.ts).
 *
 * One caller only: the emulator runs one read-write transaction per database at a time and aborts
 * every other one that overlaps it. The adapter queues its own transactions in process there
 * (`maxConcurrentTransactions` 1), while concurrent raw transactions would abort each other and
 * back off in the client's 2^n-second steps: a concurrent row would measure the emulator's
 * serialization and the client's backoff, not the two implementations.
 */
import { createHash } from 'node:crypto';
import type { CheckpointKey } from '@checkpointkit/core';
import { createSpannerAdapter } from '@checkpointkit/spanner';
import { Spanner } from '@google-cloud/spanner';
import { countedRpcContender } from '../counting/rpc-sides.js';
import type { BenchProfile } from '../profile.js';
import type { Section } from '../report/results.js';
import { nextSequence } from '../sequence.js';
import {
  type BenchSpanner,
  SPANNER_OURS_PREFIX,
  SPANNER_RAW_PREFIX,
} from '../services/spanner-service.js';
import { EMULATOR_CAVEAT, emulatorRow } from './emulator-notes.js';

const TTL_MS = 86_400_000;
const PROJECT = 'bench';
const PROCESS_ID = 'billing/charge';
const CENTS = Spanner.int(1999);

const key = (resourceId: string): CheckpointKey => ({
  project: PROJECT,
  resourceId,
  processId: PROCESS_ID,
});

/** The raw side's leading key column: a hash of the resource, as the adapter's layout asks. */
const rawResourceHash = (resourceId: string): string =>
  createHash('sha256').update(`${PROJECT}\u0000${resourceId}`).digest('hex').slice(0, 16);

export async function runOnceSpanner(
  profile: BenchProfile,
  spanner: BenchSpanner,
): Promise<Section> {
  const { database, rpcs } = spanner;
  const adapter = createSpannerAdapter(database, { tablePrefix: SPANNER_OURS_PREFIX });
  await adapter.setup();
  const { checkpoints } = adapter;
  const oursCharges = `${SPANNER_OURS_PREFIX}_charges`;

  const oursOp = (): Promise<unknown> => {
    const resourceId = `order-${nextSequence()}`;
    return checkpoints.runOnce(key(resourceId), { ttlMs: TTL_MS }, async (tx) => {
      tx.insert(oursCharges, { OrderId: resourceId, Cents: CENTS });
    });
  };

  const raw = {
    checkpoints: `${SPANNER_RAW_PREFIX}_checkpoints`,
    charges: `${SPANNER_RAW_PREFIX}_charges`,
  };
  const readKey = `SELECT ExpiryMs FROM ${raw.checkpoints}
    WHERE ResourceHash = @hash AND Project = @project AND ResourceId = @resourceId
      AND ProcessId = @processId AND Uniquifier = ''`;
  const rawOp = (): Promise<boolean> => {
    const resourceId = `order-${nextSequence()}`;
    const hash = rawResourceHash(resourceId);
    return database.runTransactionAsync(async (tx) => {
      const nowMs = Date.now();
      const [rows] = await tx.run({
        sql: readKey,
        params: { hash, project: PROJECT, resourceId, processId: PROCESS_ID },
        json: true,
      });
      const found = rows[0] as { ExpiryMs: number } | undefined;
      if (found && found.ExpiryMs > nowMs) {
        await tx.rollback();
        return false;
      }
      const expiryMs = nowMs + TTL_MS;
      tx.insert(raw.checkpoints, {
        ResourceHash: hash,
        Project: PROJECT,
        ResourceId: resourceId,
        ProcessId: PROCESS_ID,
        Uniquifier: '',
        CreationMs: Spanner.int(nowMs),
        ExpiryMs: Spanner.int(expiryMs),
        ExpiryTime: new Date(expiryMs),
      });
      tx.insert(raw.charges, { OrderId: resourceId, Cents: CENTS });
      await tx.commit();
      return true;
    });
  };

  const oursSide = await countedRpcContender(
    'checkpointkit runOnce (user row on the tx)',
    oursOp,
    rpcs,
    profile.countingOperations,
  );
  const rawSide = await countedRpcContender(
    'raw: runTransactionAsync (SELECT the key, insert checkpoint + user row, commit)',
    rawOp,
    rpcs,
    profile.countingOperations,
  );
  const row = await emulatorRow(profile, {
    caseName: '`runOnce` + 1 user write',
    concurrency: 1,
    ours: oursSide,
    baseline: rawSide,
    oursAlsoDoes:
      "validates the key and ttl (core), reads the whole record (12 columns, INT64s wrapped) where the raw side reads one column, writes all 12 columns with an upsert, tallies the commit against Spanner's production limits, and passes through the in-process transaction gate and core's retry wrapper",
  });
  await adapter.close();
  return {
    id: 'run-once/spanner',
    primitive: 'Run-once checkpoints',
    backend: 'Cloud Spanner',
    baselineNote:
      "the same `@google-cloud/spanner` client on the same emulator database running the same read-write transaction by hand (`runTransactionAsync`: a SELECT of the key, inserts of the checkpoint row and the user's row, commit) on the adapter's own table layout under another prefix. 1 caller: the emulator runs one read-write transaction per database at a time and aborts any that overlaps it, so a concurrent row would measure that serialization and the client's multi-second abort backoff, not the two implementations.",
    rows: [row],
    notes: [EMULATOR_CAVEAT],
  };
}
