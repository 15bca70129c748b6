/**
 * Run-once checkpoints on Cloud Datastore (the emulator): `runOnce` with one user write — a
 * `Charge` entity saved on the adapter's tx, the Datastore Transaction — against the same client
 * running the same transaction by hand: begin, look the key up, save the checkpoint entity and the
 * user's entity, commit (kinds in ../services/datastore-service.ts). At 1 and 8 callers: every
 * call writes a key of its own, and each key is an entity group of its own on both sides, so
 * concurrent transactions do not contend on the emulator.
 */
import type { CheckpointKey } from '@checkpointkit/core';
import { createDatastoreAdapter } from '@checkpointkit/datastore';
import { countedRpcContender } from '../counting/rpc-sides.js';
import type { BenchProfile } from '../profile.js';
import type { ComparisonRow, Section } from '../report/results.js';
import { nextSequence } from '../sequence.js';
import type { BenchDatastore } from '../services/datastore-service.js';
import { EMULATOR_CAVEAT, emulatorRow } from './emulator-notes.js';

const TTL_MS = 86_400_000;
const PROJECT = 'bench';
const PROCESS_ID = 'billing/charge';
const NAMESPACE = 'bench-run-once';
/** Concurrent callers of the second row. */
export const DATASTORE_CALLERS = 8;

const key = (resourceId: string): CheckpointKey => ({
  project: PROJECT,
  resourceId,
  processId: PROCESS_ID,
});

export async function runOnceDatastore(
  profile: BenchProfile,
  service: BenchDatastore,
): Promise<Section> {
  const { datastore, rpcs } = service;
  const adapter = createDatastoreAdapter(datastore, { namespace: NAMESPACE });
  await adapter.setup();
  const { checkpoints } = adapter;

  const oursOp = (): Promise<unknown> => {
    const resourceId = `order-${nextSequence()}`;
    return checkpoints.runOnce(key(resourceId), { ttlMs: TTL_MS }, async (tx) => {
      tx.save({
        key: datastore.key({ namespace: NAMESPACE, path: ['Charge', resourceId] }),
        data: { cents: 1999 },
      });
    });
  };

  const rawOp = async (): Promise<boolean> => {
    const resourceId = `order-${nextSequence()}`;
    const checkpointKey = datastore.key({
      namespace: NAMESPACE,
      path: ['RawCheckpoint', `:${PROJECT}:${PROCESS_ID}:${resourceId}`],
    });
    const tx = datastore.transaction();
    await tx.run();
    try {
      const nowMs = Date.now();
      const [found] = await tx.get(checkpointKey);
      if (found && (found.expiryMs as number) > nowMs) {
        await tx.rollback();
        return false;
      }
      const expiryMs = nowMs + TTL_MS;
      tx.save([
        {
          key: checkpointKey,
          data: [
            { name: 'creationMs', value: nowMs, excludeFromIndexes: true },
            // Indexed, as the adapter's: what a purge of expired checkpoints queries.
            { name: 'expiryMs', value: expiryMs },
            { name: 'expireAt', value: new Date(expiryMs), excludeFromIndexes: true },
          ],
        },
        {
          key: datastore.key({ namespace: NAMESPACE, path: ['RawCharge', resourceId] }),
          data: { cents: 1999 },
        },
      ]);
      await tx.commit();
      return true;
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  };

  const oursSide = await countedRpcContender(
    'checkpointkit runOnce (user entity on the tx)',
    oursOp,
    rpcs,
    profile.countingOperations,
  );
  const rawSide = await countedRpcContender(
    'raw: transaction (begin, lookup the key, save checkpoint + user entity, commit)',
    rawOp,
    rpcs,
    profile.countingOperations,
  );
  const rows: ComparisonRow[] = [];
  for (const concurrency of [1, DATASTORE_CALLERS]) {
    rows.push(
      await emulatorRow(profile, {
        caseName: '`runOnce` + 1 user write',
        concurrency,
        ours: oursSide,
        baseline: rawSide,
        oursAlsoDoes:
          "validates the key and ttl (core), encodes the key into an injective, order-preserving key path, writes the claim fields and a `writeId` (which settles a lost commit reply) with the record, checks the commit against Datastore's production limits, and runs under core's retry wrapper",
      }),
    );
  }
  await adapter.close();
  return {
    id: 'run-once/datastore',
    primitive: 'Run-once checkpoints',
    backend: 'Cloud Datastore',
    baselineNote: `the same \`@google-cloud/datastore\` client on the same emulator running the same transaction by hand: begin, look up the checkpoint's key, save the checkpoint entity (creation, indexed expiry, TTL timestamp) and the user's entity, commit. Each key is an entity group of its own on both sides; ${DATASTORE_CALLERS} callers are ${DATASTORE_CALLERS} async loops on the one client, each on fresh keys, so their transactions do not contend.`,
    rows,
    notes: [EMULATOR_CAVEAT],
  };
}
