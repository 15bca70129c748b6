/**
 * @checkpointkit/datastore — checkpointkit's five primitives on Cloud Datastore (Firestore in
 * Datastore mode) through @google-cloud/datastore. See README.md.
 */
export { createDatastoreAdapter, type DatastoreAdapter, datastoreBackends } from './adapter.js';
export type { DatastoreTx } from './connection.js';
export { datastoreIndexYaml, KIND_NAMES, kindNames } from './kinds.js';
export {
  MAX_ENTITY_BYTES,
  MAX_INDEXED_BYTES,
  MAX_KEYS_PER_LOOKUP,
  MAX_MUTATIONS_PER_COMMIT,
  MAX_REQUEST_BYTES,
} from './limits.js';
export { DATASTORE_MAX_SHARD_BYTES } from './nodes.js';
export { ORPHAN_CHUNK_GRACE_MS } from './operations.js';
export { DATASTORE_DEFAULTS, type DatastoreAdapterOptions } from './options.js';
