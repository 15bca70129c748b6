/**
 * The bench's own Cloud Datastore emulator (test-services: the SDK's emulator on a free loopback
 * port, in memory, strongly consistent, stopped with its JVM) and the one Datastore client that
 * ours and the raw baseline share, its RPCs counted. Each suite writes into namespaces of its own.
 *
 * Kinds of the raw baselines (the adapter's are documented in packages/datastore/src/kinds.ts):
 *
 *   RawCheckpoint  ':<project>:<processId>:<resourceId>'  creationMs, expiryMs, expireAt
 *   RawOperation   ':<name>'                               lastSeq
 *     → RawOperationCheckpoint <seq>                       label, createdMs, data (1 KiB)
 *   Charge / RawCharge  <orderId>                          cents (the user's entity)
 *
 * One checkpoint key is one entity group on both sides, and one operation is one entity group
 * with its checkpoints, as in the adapter.
 */
import { DatastoreEmulator } from '@checkpointkit/test-services';
import { Datastore } from '@google-cloud/datastore';
import { countDatastoreRpcs, type RpcCounter } from '../counting/google-rpcs.js';

const PROJECT_ID = 'checkpointkit-bench';

export interface BenchDatastore {
  readonly datastore: Datastore;
  readonly rpcs: RpcCounter;
  /** e.g. "127.0.0.1:41234". */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startBenchDatastore(): Promise<BenchDatastore> {
  const emulator = await DatastoreEmulator.start();
  try {
    // Without it the auth library probes the GCE metadata server (a DNS lookup beyond loopback).
    process.env.METADATA_SERVER_DETECTION = 'none';
    // apiEndpoint on loopback: the client talks to the emulator without credentials.
    const datastore = new Datastore({ projectId: PROJECT_ID, apiEndpoint: emulator.host });
    const rpcs = countDatastoreRpcs(datastore);
    return {
      datastore,
      rpcs,
      host: emulator.host,
      stop: async () => {
        // The client has no close(); its gapic clients hold the gRPC channels.
        const { clients_ } = datastore as unknown as {
          clients_: Map<string, { close(): unknown }>;
        };
        await Promise.all([...clients_.values()].map((client) => client.close()));
        await emulator.stop();
      },
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
