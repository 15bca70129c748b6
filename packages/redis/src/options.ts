/** createRedisAdapter's options and their defaults, in one place. */
import {
  type CommonAdapterOptions,
  type ResolvedAdapterOptions,
  requireKeyPrefix,
  requirePositiveInteger,
  resolveAdapterOptions,
  ValidationError,
} from '@checkpointkit/core';

export interface RedisAdapterOptions extends CommonAdapterOptions {
  /**
   * Every key starts with `<keyPrefix>:`; adapters with different prefixes share nothing.
   * Letters, digits and `_ . : -`, at most 64 bytes. Default `"ck"`.
   */
  readonly keyPrefix?: string;
  /**
   * Garbage collection only: a checkpoint record is left for Redis to expire (`PEXPIRE`) this
   * long after its expiry. Expiry itself is always checked against the adapter clock, never by
   * Redis. A claim whose lease ran out more than this long ago can no longer `complete`.
   * Default one hour.
   */
  readonly gcGraceMs?: number;
  /**
   * How long after sending a write Redis still accepts ioredis' resend of it (after a dropped
   * connection) as the same write. A resend that arrives later is refused and reported as
   * OutcomeUnknownError; journal entries live this long plus a clock-skew allowance. Default
   * ten minutes.
   */
  readonly resendWindowMs?: number;
  /**
   * After a write's reply was lost and ioredis rejected it (it did not resend), how long the
   * adapter keeps trying to reach Redis to settle whether the write was applied, before it
   * reports OutcomeUnknownError. Default ten seconds.
   */
  readonly settleTimeoutMs?: number;
  /**
   * setup() refuses a server whose `maxmemory-policy` can evict the adapter's keys (every policy
   * but `noeviction`): eviction silently drops acknowledged checkpoints. True turns the refusal
   * into a warning (`process.emitWarning`) for those who accept that risk. Default false.
   */
  readonly allowEvictingServer?: boolean;
}

export const DEFAULT_KEY_PREFIX = 'ck';
export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;
export const DEFAULT_RESEND_WINDOW_MS = 10 * 60 * 1000;
export const DEFAULT_SETTLE_TIMEOUT_MS = 10 * 1000;
/** Redis' default proto-max-bulk-len: no single value (an ARGV of a script) may be larger. */
export const MAX_REDIS_PAYLOAD_BYTES = 512 * 1024 * 1024;

/** Index entries one call of the uniquifier page script examines before it yields. */
export const UNIQUIFIER_SCAN_BUDGET = 5000;
/** SCAN's COUNT hint for the listings that walk the keyspace. */
export const SCAN_COUNT = 1000;
/** Shards are written and read in pipelined batches of at most this many… */
export const SHARD_BATCH_COUNT = 128;
/** …and at most this many bytes. */
export const SHARD_BATCH_BYTES = 8 * 1024 * 1024;
/** The largest shard the node store may ask for: one string value, far below Redis' 512 MiB. */
export const MAX_SHARD_BYTES = 64 * 1024 * 1024;
/** Attempts of a group summary whose reads saw a concurrent write (a seqlock retry). */
export const SUMMARY_ATTEMPTS = 20;

export interface ResolvedRedisOptions extends ResolvedAdapterOptions {
  readonly keyPrefix: string;
  readonly gcGraceMs: number;
  readonly resendWindowMs: number;
  readonly settleTimeoutMs: number;
  readonly allowEvictingServer: boolean;
}

function requireFlag(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be a boolean');
  return value;
}

export function resolveRedisOptions(options: RedisAdapterOptions = {}): ResolvedRedisOptions {
  const common = resolveAdapterOptions(options);
  if (common.maxPayloadBytes > MAX_REDIS_PAYLOAD_BYTES) {
    throw new ValidationError(
      'maxPayloadBytes',
      `is ${common.maxPayloadBytes}; one Redis value holds at most ${MAX_REDIS_PAYLOAD_BYTES} bytes`,
    );
  }
  return {
    ...common,
    keyPrefix: requireKeyPrefix('keyPrefix', options.keyPrefix ?? DEFAULT_KEY_PREFIX),
    gcGraceMs: requirePositiveInteger('gcGraceMs', options.gcGraceMs ?? DEFAULT_GC_GRACE_MS),
    resendWindowMs: requirePositiveInteger(
      'resendWindowMs',
      options.resendWindowMs ?? DEFAULT_RESEND_WINDOW_MS,
    ),
    settleTimeoutMs: requirePositiveInteger(
      'settleTimeoutMs',
      options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS,
    ),
    allowEvictingServer: requireFlag('allowEvictingServer', options.allowEvictingServer ?? false),
  };
}
