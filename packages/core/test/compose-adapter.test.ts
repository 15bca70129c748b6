// What composeAdapter does for every backend, so that no adapter can forget it: aborted
// transactions are retried, and a closed adapter refuses calls before they reach the backend.
import { describe, expect, it } from 'vitest';
import {
  BackendError,
  type CheckpointBackend,
  ConflictError,
  composeAdapter,
  type MemoryTx,
  memoryBackends,
  resolveAdapterOptions,
  TransactionAbortedError,
} from '../src/index.js';

const key = { project: 'p', resourceId: 'r', processId: 'x' };
const TTL = { ttlMs: 60_000 };
const retry = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 };

/** The memory backends, with checkpoints patched and a fast retry policy. */
function adapterWith(
  patch: (inner: CheckpointBackend<MemoryTx>) => Partial<CheckpointBackend<MemoryTx>>,
  transaction?: (
    inner: ReturnType<typeof memoryBackends>['transaction'],
  ) => ReturnType<typeof memoryBackends>['transaction'],
) {
  const memory = memoryBackends();
  return composeAdapter({
    ...memory,
    options: resolveAdapterOptions({ retry }),
    checkpoints: { ...memory.checkpoints, ...patch(memory.checkpoints) },
    transaction: transaction ? transaction(memory.transaction) : memory.transaction,
  });
}

describe('TransactionAbortedError from a backend', () => {
  it('is retried by core: the call succeeds once the backend stops aborting', async () => {
    let calls = 0;
    const adapter = adapterWith((inner) => ({
      insertUnlessLive: (record, nowMs) => {
        calls++;
        if (calls < 3) return Promise.reject(new TransactionAbortedError('contention'));
        return inner.insertUnlessLive(record, nowMs);
      },
    }));
    await adapter.checkpoints.insert(key, TTL);
    expect(calls).toBe(3);
    expect(await adapter.checkpoints.exists(key)).toBe(true);
  });

  it('becomes ConflictError when the attempts run out', async () => {
    let calls = 0;
    const adapter = adapterWith(() => ({
      insertUnlessLive: () => {
        calls++;
        return Promise.reject(new TransactionAbortedError('contention'));
      },
    }));
    const error = await adapter.checkpoints.insert(key, TTL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).attempts).toBe(retry.maxAttempts);
    expect((error as ConflictError).cause).toBeInstanceOf(TransactionAbortedError);
    expect(calls).toBe(retry.maxAttempts);
  });

  it('from adapter.transaction runs the whole transaction again, work included', async () => {
    let aborts = 1;
    let runs = 0;
    const adapter = adapterWith(
      () => ({}),
      (inner) => async (work) => {
        const value = await inner(work);
        if (aborts-- > 0) throw new TransactionAbortedError('aborted at commit');
        return value;
      },
    );
    const value = await adapter.transaction(async () => ++runs);
    expect(value).toBe(2);
    expect(runs).toBe(2);
  });

  it("from insertIn is left to the caller's transaction, which runs again as a whole", async () => {
    let insertIns = 0;
    let runs = 0;
    const adapter = adapterWith((inner) => ({
      insertIn: (tx, record, nowMs) => {
        insertIns++;
        if (insertIns === 1) throw new TransactionAbortedError('statement aborted');
        return inner.insertIn(tx, record, nowMs);
      },
    }));
    await adapter.transaction(async (tx) => {
      runs++;
      await adapter.checkpoints.insertIn(tx, key, TTL);
    });
    expect({ insertIns, runs }).toEqual({ insertIns: 2, runs: 2 });
    expect(await adapter.checkpoints.exists(key)).toBe(true);
  });
});

describe('a closed adapter', () => {
  it('stops retrying: the next attempt is refused with BackendError', async () => {
    let calls = 0;
    const memory = memoryBackends();
    const adapter = composeAdapter({
      ...memory,
      options: resolveAdapterOptions({ retry: { maxAttempts: 50, baseDelayMs: 1, maxDelayMs: 1 } }),
      checkpoints: {
        ...memory.checkpoints,
        insertUnlessLive: () => {
          calls++;
          if (calls === 2) void adapter.close();
          return Promise.reject(new TransactionAbortedError('contention'));
        },
      },
    });
    await expect(adapter.checkpoints.insert(key, TTL)).rejects.toBeInstanceOf(BackendError);
    expect(calls).toBe(2);
  });
});
