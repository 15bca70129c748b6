/**
 * Redis and ioredis errors → checkpointkit errors, in one place. Every call the adapter makes to
 * Redis goes through `redisCall`.
 */
import {
  BackendError,
  CheckpointKitError,
  StoreFullError,
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
  'Command aborted due to connection close',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  "Cluster isn't ready",
  // ioredis Cluster resends a command whose connection closed (retryDelayOnFailover), also when
  // the first copy reached Redis; after maxRedirections failed tries it gives up with this.
  'Too many Cluster redirections',
];

/** Over maxmemory under `noeviction`: as a command's reply, or inside a script's error. */
const OOM = 'OOM command not allowed';

/**
 * The connection failed while the command may have been on its way: the server may or may not
 * have applied it. ioredis rejects such commands when it does not resend them (AbortError,
 * "Connection is closed", MaxRetriesPerRequestError); writes then settle their outcome
 * (journal.ts) before they report anything.
 */
export function isConnectionLoss(error: unknown): boolean {
  const err = error as { name?: string; message?: string; code?: string } | null;
  const message = String(err?.message ?? error);
  return (
    (err?.code !== undefined && CONNECTION_CODES.has(err.code)) ||
    err?.name === 'AbortError' ||
    err?.name === 'MaxRetriesPerRequestError' ||
    err?.name === 'ClusterAllFailedError' ||
    CONNECTION_MESSAGES.some((m) => message.includes(m))
  );
}

export function translateRedisError(error: unknown, what: string): CheckpointKitError {
  if (error instanceof CheckpointKitError) return error;
  const err = error as {
    name?: string;
    message?: string;
    code?: string;
    previousErrors?: unknown[];
  } | null;
  const message = String(err?.message ?? error);
  const code = message.split(' ', 1)[0] ?? '';
  // A MULTI whose queued commands were refused: EXEC's own message hides why.
  const refusal = err?.previousErrors?.find((e) => String((e as Error)?.message).includes(OOM));
  if (message.includes(OOM) || refusal !== undefined) {
    return new StoreFullError(
      `${what}: Redis is out of memory (maxmemory reached, policy noeviction); nothing was written: ${String((refusal as Error | undefined)?.message ?? message)}`,
      { cause: error },
    );
  }
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
  // Reads, and writes that are harmless to repeat (content-addressed shards), end here after a
  // drop; the other writes settle first (journal.ts) and never reach this with a drop.
  if (isConnectionLoss(error)) {
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
