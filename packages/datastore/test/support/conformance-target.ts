/**
 * The conformance target: create = a fresh adapter in its own namespace on its own client;
 * reopen = a second adapter on the same namespace through a NEW client (another process);
 * destroy = delete the namespace's entities. The probe writes the user's own `Probe` entities,
 * through the adapter's Transaction, in the client's namespace (which is the adapter's). Lost
 * replies are injected on the client's commit RPC (./lost-replies.ts).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConformanceTarget } from '@checkpointkit/core/conformance';
import type { Datastore } from '@google-cloud/datastore';
import {
  createDatastoreAdapter,
  type DatastoreAdapter,
  type DatastoreTx,
} from '../../src/index.js';
import {
  deleteNamespace,
  emulatorHost,
  newClient,
  PROJECT_ID,
  uniqueNamespace,
} from './clients.js';
import { loseNextCommitReply } from './lost-replies.js';
import { requireFreshBuild } from './processes.js';

const PROBE_KIND = 'Probe';
/**
 * The emulator, like legacy Datastore, aborts every concurrent transaction on an entity group but
 * the first (Firestore in Datastore mode locks single entities): the cases that start 50 writes
 * into one group at once need more attempts than core's default 12 on a loaded machine.
 */
export const EMULATOR_RETRY = { maxAttempts: 40, maxDelayMs: 1_000 } as const;

export function conformanceTarget(): ConformanceTarget<DatastoreTx, DatastoreAdapter> {
  const clients = new WeakMap<DatastoreAdapter, Datastore>();
  return {
    name: 'datastore (emulator)',
    async create({ clock }) {
      const client = newClient({ namespace: uniqueNamespace('conformance') });
      const adapter = createDatastoreAdapter(client, { clock, retry: EMULATOR_RETRY });
      clients.set(adapter, client);
      await adapter.setup();
      return adapter;
    },
    async reopen(adapter, { clock }) {
      return createDatastoreAdapter(newClient({ namespace: adapter.namespace }), {
        clock,
        retry: EMULATOR_RETRY,
      });
    },
    async destroy(adapter) {
      const client = clients.get(adapter);
      if (client && adapter.namespace) await deleteNamespace(client, adapter.namespace);
    },
    probe: {
      writeInTx: (tx, key, value) => {
        tx.save({
          key: tx.datastore.key({ namespace: tx.namespace, path: [PROBE_KIND, key] }),
          data: { value },
        });
      },
      async read(adapter, key) {
        const { datastore, namespace } = adapter as DatastoreAdapter;
        const [entity] = await datastore.get(datastore.key({ namespace, path: [PROBE_KIND, key] }));
        return entity ? (entity.value as string) : null;
      },
      // A careless callback committing the adapter's transaction itself.
      endTransaction: async (tx) => {
        await tx.commit();
      },
    },
    // The twin runs the built package in a child process, on the case's namespace.
    twinProcess: {
      async start(adapter, { nowMs }) {
        requireFreshBuild();
        return fork(
          fileURLToPath(new URL('../workers/twin.mjs', import.meta.url)),
          [
            JSON.stringify({
              host: emulatorHost(),
              projectId: PROJECT_ID,
              namespace: adapter.namespace,
              nowMs,
              retry: EMULATOR_RETRY,
            }),
          ],
          {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
          },
        );
      },
    },
    faults: {
      async loseNextReply(adapter: DatastoreAdapter, options = {}) {
        return loseNextCommitReply(adapter.datastore, options);
      },
    },
  };
}
