/**
 * Operation checkpoints on Cloud Spanner (the emulator): `checkpoint` of 1 KiB + `latest` against
 * the same client writing and reading the same rows by hand, on the adapter's table layout under
 * another prefix: one read-write transaction that reads the operation's counter row, updates it
 * and inserts the checkpoint row and its one 1 KiB chunk row; then the latest checkpoint with its
 * data in one strong single-use query. One operation, one caller (a long job appending).
 */
import { randomBytes } from 'node:crypto';
import { createSpannerAdapter } from '@checkpointkit/spanner';
import { Spanner } from '@google-cloud/spanner';
import type { BenchProfile } from '../profile.js';
import type { Section } from '../report/results.js';
import {
  type BenchSpanner,
  SPANNER_OURS_PREFIX,
  SPANNER_RAW_PREFIX,
} from '../services/spanner-service.js';
import { checkpointLatestRow, EMULATOR_CAVEAT } from './emulator-notes.js';
import { CHECKPOINT_BYTES } from './operations-sqlite.js';

export async function operationsSpanner(
  profile: BenchProfile,
  spanner: BenchSpanner,
): Promise<Section> {
  const { database, rpcs } = spanner;
  const payload = new Uint8Array(randomBytes(CHECKPOINT_BYTES));
  const rawPayload = Buffer.from(payload);
  const adapter = createSpannerAdapter(database, { tablePrefix: SPANNER_OURS_PREFIX });
  await adapter.setup();

  const t = {
    operations: `${SPANNER_RAW_PREFIX}_operations`,
    checkpoints: `${SPANNER_RAW_PREFIX}_operation_checkpoints`,
    chunks: `${SPANNER_RAW_PREFIX}_operation_chunks`,
  };
  const readCounter = `SELECT LastSeq, CheckpointCount FROM ${t.operations} WHERE Name = @name`;
  // 1 KiB is one chunk row: the join returns exactly the latest checkpoint's data.
  const readLatest = `SELECT c.Seq, c.Label, c.CreatedMs, k.Bytes
    FROM ${t.checkpoints} c JOIN ${t.chunks} k ON k.Name = c.Name AND k.Seq = c.Seq
    WHERE c.Name = @name ORDER BY c.Seq DESC LIMIT 1`;
  const rawOp = (name: string): (() => Promise<unknown>) => {
    return async () => {
      await database.runTransactionAsync(async (tx) => {
        const [rows] = await tx.run({ sql: readCounter, params: { name }, json: true });
        const counter = rows[0] as { LastSeq: number; CheckpointCount: number } | undefined;
        const seq = (counter?.LastSeq ?? 0) + 1;
        const operationRow = {
          Name: name,
          LastSeq: Spanner.int(seq),
          CheckpointCount: Spanner.int((counter?.CheckpointCount ?? 0) + 1),
        };
        if (counter) tx.update(t.operations, operationRow);
        else tx.insert(t.operations, { ...operationRow, LastToken: Spanner.int(0) });
        tx.insert(t.checkpoints, {
          Name: name,
          Seq: Spanner.int(seq),
          Label: `step-${seq}`,
          CreatedMs: Spanner.int(Date.now()),
          ByteLength: Spanner.int(rawPayload.byteLength),
        });
        tx.insert(t.chunks, {
          Name: name,
          Seq: Spanner.int(seq),
          Chunk: Spanner.int(0),
          Bytes: rawPayload,
        });
        await tx.commit();
      });
      const [latest] = await database.run({ sql: readLatest, params: { name }, json: true });
      return latest[0];
    };
  };

  const row = await checkpointLatestRow(profile, rpcs, {
    adapter,
    payload,
    rawLabel:
      'raw: runTransactionAsync (SELECT the counter, update it, insert checkpoint + 1 KiB chunk, commit); one query for the latest',
    rawOp,
    oursAlsoDoes:
      'reads the operation row with its lease and checks the fence (core), and `latest` joins the latest checkpoint row with all its chunk rows in chunk order (a payload of up to 64 MiB spans several 8 MiB chunk rows) and concatenates them, in one strong single-use query like the raw side',
  });
  await adapter.close();
  return {
    id: 'operations/spanner',
    primitive: 'Operation checkpoints',
    backend: 'Cloud Spanner',
    baselineNote:
      "the same `@google-cloud/spanner` client on the same emulator database writing and reading the same rows by hand, on the adapter's own table layout under another prefix: one read-write transaction (SELECT the operation's counter row, update it, insert the checkpoint row and its 1 KiB chunk row, commit), then one strong single-use query joining the latest checkpoint row with its chunk. No fencing or lease. 1 caller (one operation).",
    rows: [row],
    notes: [EMULATOR_CAVEAT],
  };
}
