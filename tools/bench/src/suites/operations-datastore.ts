/**
 * Operation checkpoints on Cloud Datastore (the emulator): `checkpoint` of 1 KiB + `latest`
 * against the same client writing and reading the same entities by hand (kinds in
 * ../services/datastore-service.ts): one transaction that looks the operation up, saves the
 * checkpoint (data inline, as the adapter stores 1 KiB) and the operation's new counter; then
 * a lookup of the operation and a lookup of its latest checkpoint. One operation, one caller.
 */
import { randomBytes } from 'node:crypto';
import { createDatastoreAdapter } from '@checkpointkit/datastore';
import type { Key } from '@google-cloud/datastore';
import type { BenchProfile } from '../profile.js';
import type { Section } from '../report/results.js';
import type { BenchDatastore } from '../services/datastore-service.js';
import { checkpointLatestRow, EMULATOR_CAVEAT } from './emulator-notes.js';
import { CHECKPOINT_BYTES } from './operations-sqlite.js';

const NAMESPACE = 'bench-operations';

export async function operationsDatastore(
  profile: BenchProfile,
  service: BenchDatastore,
): Promise<Section> {
  const { datastore, rpcs } = service;
  const payload = new Uint8Array(randomBytes(CHECKPOINT_BYTES));
  const rawPayload = Buffer.from(payload);
  const adapter = createDatastoreAdapter(datastore, { namespace: NAMESPACE });
  await adapter.setup();

  /** The raw minimum: the checkpoint's key is known from the counter, so `latest` is two lookups. */
  const rawOp = (name: string): (() => Promise<unknown>) => {
    const operationKey = datastore.key({
      namespace: NAMESPACE,
      path: ['RawOperation', `:${name}`],
    });
    const checkpointKey = (seq: number): Key =>
      datastore.key({
        namespace: NAMESPACE,
        path: ['RawOperation', `:${name}`, 'RawOperationCheckpoint', String(seq).padStart(16, '0')],
      });
    return async () => {
      const tx = datastore.transaction();
      await tx.run();
      try {
        const [operation] = await tx.get(operationKey);
        const seq = ((operation?.lastSeq as number | undefined) ?? 0) + 1;
        tx.save([
          {
            key: checkpointKey(seq),
            data: [
              { name: 'label', value: `step-${seq}`, excludeFromIndexes: true },
              { name: 'createdMs', value: Date.now(), excludeFromIndexes: true },
              { name: 'data', value: rawPayload, excludeFromIndexes: true },
            ],
          },
          {
            key: operationKey,
            data: [{ name: 'lastSeq', value: seq, excludeFromIndexes: true }],
          },
        ]);
        await tx.commit();
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        throw error;
      }
      const [operation] = await datastore.get(operationKey);
      const seq = operation.lastSeq as number;
      return (await datastore.get(checkpointKey(seq)))[0];
    };
  };

  const row = await checkpointLatestRow(profile, rpcs, {
    adapter,
    payload,
    rawLabel:
      'raw: transaction (begin, lookup the operation, save checkpoint + counter, commit); lookup the operation, lookup its latest checkpoint',
    rawOp,
    oursAlsoDoes:
      'checks the fence against the lease on the operation entity (core), writes a floor, a lease, a `live` flag (indexed) and a `writeId` with the counter, and checks the commit against the production limits; `latest` looks the checkpoint up by key as the raw side does (a chunked payload, whose key carries its blob id, would take a key-range query)',
  });
  await adapter.close();
  return {
    id: 'operations/datastore',
    primitive: 'Operation checkpoints',
    backend: 'Cloud Datastore',
    baselineNote:
      "the same `@google-cloud/datastore` client on the same emulator writing and reading the same entities by hand: one transaction (begin, look the operation up, save the checkpoint with its 1 KiB inline and the operation's new counter, commit), then a lookup of the operation and a lookup of its latest checkpoint by key. No fencing or lease. 1 caller (one operation: one entity group).",
    rows: [row],
    notes: [EMULATOR_CAVEAT],
  };
}
