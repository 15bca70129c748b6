/**
 * @checkpointkit/core — the contract (interfaces, errors), the logic every adapter shares
 * (validation, key encoding, retry policy, HLC and the window algorithm, MultiCommitter, node
 * state sharding and cache), `composeAdapter`, and the in-memory reference adapter.
 */

export {
  type Adapter,
  type AdapterBackends,
  type AdapterLimits,
  type CommonAdapterOptions,
  composeAdapter,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  MAX_RESULT_BYTES_LIMIT,
  type ResolvedAdapterOptions,
  resolveAdapterOptions,
} from './adapter.js';
export {
  bytesEqual,
  compareBytes,
  compareUtf8,
  concatBytes,
  fromHex,
  sha256,
  sha256Hex,
  toHex,
  utf8Decode,
  utf8Encode,
  utf8Length,
  viewBytes,
} from './bytes.js';
export type {
  CheckpointBackend,
  CheckpointRecord,
  RunOnceOutcome,
  UniquifierPage,
} from './checkpoints/backend.js';
export {
  compareCheckpointKeys,
  PROCESS_ID_PATTERN,
  PROJECT_PATTERN,
  requireCheckpointKey,
  sortKeys,
} from './checkpoints/key.js';
export { bytesCodec, fingerprintHash } from './checkpoints/results.js';
export {
  alreadyExists,
  DEFAULT_WAIT_POLL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  isLive,
  toCheckpoint,
  transactionalRunOnce,
} from './checkpoints/store.js';
export type * from './checkpoints/types.js';
export { type Clock, systemClock } from './clock.js';
export * from './errors.js';
export { checkAdvance, type GroupBackend } from './groups/backend.js';
export { BACKGROUND_REFRESH_GAP_MS, DEFAULT_POLL_INTERVAL_MS } from './groups/group.js';
export { canonicalGroupName, canonicalPartition } from './groups/names.js';
export type * from './groups/types.js';
export {
  type PartitionSeeks,
  type PartitionSummary,
  pruneCutoffs,
  type ResolvedWindow,
  resolvedWindow,
  summarizeBySeeks,
  summarizePartition,
  type TimestampEntry,
} from './groups/window.js';
export * from './hlc.js';
export { decodeKey, decodeKeyPart, encodeKey, encodeKeyPart } from './key-encoding.js';
export {
  createMemoryAdapter,
  type MemoryAdapter,
  type MemoryAdapterOptions,
  memoryBackends,
} from './memory/adapter.js';
export { MemoryStore, MemoryTx } from './memory/memory-store.js';
export type {
  CommitRootOutcome,
  NodeBackend,
  NodeRoot,
  NodeRootHead,
  ShardWrite,
} from './nodes/backend.js';
export { jsonCodec } from './nodes/codec.js';
export { type ShardSizes, shardBoundaries, shardSizes } from './nodes/shard-boundaries.js';
export { assembleState, type StateBlob, splitState } from './nodes/state-blob.js';
export { DEFAULT_NODE_MAX_ATTEMPTS, DEFAULT_SHARD_BYTES } from './nodes/store.js';
export type * from './nodes/types.js';
export type {
  AcquireOutcome,
  Fence,
  OperationBackend,
  OperationLeaseRecord,
  StoredOperationCheckpoint,
} from './operations/backend.js';
export { checkFence } from './operations/fence.js';
export { formatOperationId, OPERATION_ID_DIGITS, parseOperationId } from './operations/ids.js';
export type * from './operations/types.js';
export { isPrimitive, PRIMITIVE_TITLES, PRIMITIVES, type Primitive } from './primitives.js';
export {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  retryAborted,
  retryPolicy,
  sleep,
} from './retry.js';
export {
  type DatasetApplyOutcome,
  decideDatasetApply,
  type SessionBackend,
} from './sessions/backend.js';
export { datasetChangesId } from './sessions/dataset.js';
export {
  MAX_IDEMPOTENCY_KEY_BYTES,
  MAX_SESSION_KEY_BYTES,
  MAX_SESSION_VALUE_BYTES,
} from './sessions/limits.js';
export {
  combinedSessionId,
  MultiCommitter,
  type MultiCommitterOptions,
  type SessionEvent,
  type SessionMode,
} from './sessions/multi-committer.js';
export type * from './sessions/types.js';
export {
  MAX_DURATION_MS,
  requireBytes,
  requireKeyPrefix,
  requireName,
  requireNonNegativeInteger,
  requirePositiveInteger,
  requireTablePrefix,
} from './validation.js';
