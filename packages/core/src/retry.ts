/**
 * The one retry policy: transaction aborts (TransactionAbortedError, which every adapter's error
 * translation produces for its backend's conflict signal) are retried with exponential backoff
 * and full jitter, a bounded number of times, then surface as ConflictError.
 */
import { ConflictError, TransactionAbortedError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 12,
  baseDelayMs: 4,
  maxDelayMs: 400,
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides };
}

/** Full jitter: uniform in [0, min(maxDelay, base·2^(attempt-1))]. `attempt` counts from 1. */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `attempt` until it does not throw TransactionAbortedError. `attempt` is called again on
 * every retry, so whatever it calls (user callbacks included) may run more than once.
 */
export async function retryAborted<T>(
  what: string,
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  /** The number of the first attempt made here (2 when the caller made the first itself). */
  from = 1,
): Promise<T> {
  for (let n = from; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      await afterAbortedAttempt(what, policy, n, error);
    }
  }
}

/**
 * After attempt `n` failed with `error`: rethrows anything but TransactionAbortedError, gives up
 * with ConflictError once the policy's attempts are spent, else waits the backoff before the next.
 */
export async function afterAbortedAttempt(
  what: string,
  policy: RetryPolicy,
  n: number,
  error: unknown,
): Promise<void> {
  if (!(error instanceof TransactionAbortedError)) throw error;
  if (n >= policy.maxAttempts) {
    throw new ConflictError(
      `${what}: gave up after ${n} aborted attempts`,
      { attempts: n },
      { cause: error },
    );
  }
  await sleep(backoffDelayMs(n, policy));
}
