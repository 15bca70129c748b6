/**
 * createDatastoreAdapter: the five primitives on a `Datastore` client the caller made, built by
 * core's composeAdapter from this package's storage primitives. The client is never closed here.
 */
import {
  type Adapter,
  type AdapterBackends,
  composeAdapter,
  ValidationError,
} from '@checkpointkit/core';
import type { Datastore } from '@google-cloud/datastore';
import { datastoreCheckpoints } from './checkpoints.js';
import { DatastoreConnection, type DatastoreTx } from './connection.js';
import { datastoreGroups } from './groups.js';
import { kindNames } from './kinds.js';
import { datastoreNodes } from './nodes.js';
import { datastoreOperations } from './operations.js';
import { type DatastoreAdapterOptions, resolveDatastoreOptions } from './options.js';
import { datastoreSessions } from './sessions.js';

export interface DatastoreAdapter extends Adapter<DatastoreTx> {
  /** The client the adapter was given: read your own entities through it. */
  readonly datastore: Datastore;
  /** The namespace of every entity of the adapter (undefined: the client's default). */
  readonly namespace: string | undefined;
  readonly kindPrefix: string;
}

/**
 * By shape rather than instanceof: an application may load @google-cloud/datastore twice (its
 * ESM and CJS builds, or two versions), and each copy has its own Datastore class.
 */
function isDatastore(value: unknown): value is Datastore {
  const candidate = value as Partial<Datastore> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.transaction === 'function' &&
    typeof candidate.key === 'function' &&
    typeof candidate.createQuery === 'function' &&
    typeof candidate.runQuery === 'function'
  );
}

/** The adapter's storage primitives, before composeAdapter turns them into the public API. */
export function datastoreBackends(
  datastore: Datastore,
  options: DatastoreAdapterOptions = {},
): AdapterBackends<DatastoreTx> & {
  readonly datastore: Datastore;
  readonly namespace: string | undefined;
  readonly kindPrefix: string;
} {
  if (!isDatastore(datastore)) {
    throw new ValidationError('datastore', 'must be a Datastore from @google-cloud/datastore');
  }
  const resolved = resolveDatastoreOptions(options);
  const namespace = resolved.namespace ?? datastore.namespace;
  const connection = new DatastoreConnection(
    datastore,
    namespace,
    kindNames(resolved.kindPrefix),
    resolved.retry,
  );
  return {
    name: 'datastore',
    options: resolved,
    datastore,
    namespace,
    kindPrefix: resolved.kindPrefix,
    checkpoints: datastoreCheckpoints(connection),
    operations: datastoreOperations(connection, resolved.clock),
    groups: datastoreGroups(connection),
    sessions: datastoreSessions(connection),
    nodes: datastoreNodes(connection),
    transaction: (work) => connection.transaction('transaction', work),
    // Datastore has no schema to create: kinds appear with their first entity, and the
    // composite indexes (datastoreIndexYaml) are deployed out of band, as Datastore requires.
    // setup() makes one lookup, so that a client that cannot reach its project fails here.
    setup: async () => {
      await connection.get('setup', connection.key([connection.kinds.Operation, ':setup']));
    },
    close: async () => undefined,
  };
}

/**
 * `createDatastoreAdapter(new Datastore({ projectId }), { namespace })`. The client is yours:
 * the adapter never closes it. In production, deploy `datastoreIndexYaml()` once.
 */
export function createDatastoreAdapter(
  datastore: Datastore,
  options: DatastoreAdapterOptions = {},
): DatastoreAdapter {
  const backends = datastoreBackends(datastore, options);
  return {
    ...composeAdapter(backends),
    datastore: backends.datastore,
    namespace: backends.namespace,
    kindPrefix: backends.kindPrefix,
  };
}
