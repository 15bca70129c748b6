/**
 * Redis and ioredis errors → checkpointkit errors, in one place. Every call the adapter makes to
 * Redis goes through `redisCall`.
 */
import {
  BackendError,
  CheckpointKitError,
  TransactionAbortedError,
  ValidationError,
} from '@checkpointkit/core';

/** Reply-error codes (the first word of the message) that mean "try again soon". */
const ABORTED = new Set(['BUSY', 'TRYAGAIN']);
const UNAVAILABLE = new Set(['LOADING', 'READONLY', 'MASTERDOWN', 'CLUSTERDOWN', 'MOVED', 'ASK']);
/** Node's socket error codes, and ioredis' own connection failures. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  "Cluster isn't ready",
];

export function translateRedisError(error: unknown, what: string): CheckpointKitError {
  if (error instanceof CheckpointKitError) return error;
  const err = error as { name?: string; message?: string; code?: string } | null;
  const message = String(err?.message ?? error);
  const code = message.split(' ', 1)[0] ?? '';
  if (err?.name === 'ReplyError') {
    if (ABORTED.has(code))
      return new TransactionAbortedError(`${what}: ${message}`, { cause: error });
    if (UNAVAILABLE.has(code))
      return new BackendError(`${what}: ${message}`, { cause: error, retryable: true });
    if (code === 'CROSSSLOT' || message.includes('non local key')) {
      // Only a transaction's own keys can do this: the adapter's keys of one step share a tag.
      return new ValidationError(
        'key',
        `${what}: on Redis Cluster every key of a transaction must share its hash tag (use tx.key(…)): ${message}`,
        { cause: error },
      );
    }
    return new BackendError(`${what}: ${message}`, { cause: error });
  }
  if (
    (err?.code !== undefined && CONNECTION_CODES.has(err.code)) ||
    err?.name === 'MaxRetriesPerRequestError' ||
    err?.name === 'ClusterAllFailedError' ||
    CONNECTION_MESSAGES.some((m) => message.includes(m))
  ) {
    return new BackendError(`${what}: Redis is unreachable: ${message}`, {
      cause: error,
      retryable: true,
    });
  }
  return new BackendError(`${what}: ${message}`, { cause: error });
}

/** Runs one call to Redis and translates whatever it throws. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateRedisError(error, what);
  }
}
