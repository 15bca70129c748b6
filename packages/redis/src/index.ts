/**
 * @checkpointkit/redis — checkpointkit on Redis and Redis Cluster (ioredis): run-once
 * checkpoints, operation checkpoints, checkpoint groups, commit sessions and sharded node state.
 */
export { createRedisAdapter, type RedisAdapter } from './adapter.js';
export type { RedisClient, RedisConnection } from './connection.js';
export type { ColocationAnchor } from './key-layout.js';
export { DEFAULT_GC_GRACE_MS, DEFAULT_KEY_PREFIX, type RedisAdapterOptions } from './options.js';
export type { RedisTx, TxKeyLike, TxValue } from './tx/tx.js';
export { TxKey } from './tx/tx.js';
