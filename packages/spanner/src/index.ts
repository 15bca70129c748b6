/**
 * @checkpointkit/spanner — checkpointkit's five primitives on Cloud Spanner through
 * @google-cloud/spanner. See README.md.
 */
export { createSpannerAdapter, type SpannerAdapter, spannerBackends } from './adapter.js';
export {
  type CommitStats,
  MAX_CELL_BYTES,
  MAX_COMMIT_BYTES,
  MAX_KEY_BYTES,
  MAX_MUTATIONS_PER_COMMIT,
  SPANNER_MAX_PAYLOAD_BYTES,
} from './limits.js';
export { MAX_SHARDS_PER_STATE, SPANNER_MAX_SHARD_BYTES } from './nodes.js';
export { SPANNER_DEFAULTS, type SpannerAdapterOptions } from './options.js';
export { DEFAULT_TABLE_PREFIX, spannerDdl } from './schema.js';
export type { SpannerTx } from './transactions.js';
