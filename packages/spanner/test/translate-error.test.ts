// Error translation and retry layering, against a stand-in Database whose Commit fails the way
// the client reports it: ABORTED is retried by core's policy alone (the client's runner sees only
// our typed errors and never retries), a Commit that failed after sending is OutcomeUnknownError
// (never retried) unless a read-back settles it, and other driver errors are typed.
import {
  BackendError,
  ConflictError,
  OutcomeUnknownError,
  SchemaNotReadyError,
  TransactionAbortedError,
} from '@checkpointkit/core';
import type { Database } from '@google-cloud/spanner';
import { describe, expect, it } from 'vitest';
import { SpannerTransactions } from '../src/transactions.js';
import { GrpcCode, translateSpannerError } from '../src/translate-error.js';

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

/** A Database whose transactions fail at Commit with `commitErrors` in turn, then succeed. */
function fakeDatabase(commitErrors: Error[]): {
  database: Database;
  runs: number;
  commits: number;
} {
  const state = { runs: 0, commits: 0, database: undefined as unknown as Database };
  state.database = {
    // The client's runner: retries its function when it throws numeric ABORTED; we check that
    // our function never lets one out.
    async runTransactionAsync(fn: (tx: unknown) => Promise<unknown>) {
      for (;;) {
        state.runs++;
        const tx = {
          ended: false,
          async commit() {
            state.commits++;
            const error = commitErrors.shift();
            if (error) throw error;
            tx.ended = true;
          },
          async rollback() {
            tx.ended = true;
          },
        };
        try {
          return await fn(tx);
        } catch (error) {
          if ((error as { code?: unknown }).code === GrpcCode.ABORTED) continue;
          throw error;
        }
      }
    },
  } as unknown as Database;
  return state;
}

const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe('one retry layer: core policy, not the client runner', () => {
  it('an ABORTED commit is retried by core and succeeds on the next attempt', async () => {
    const fake = fakeDatabase([grpcError(GrpcCode.ABORTED, 'ABORTED: conflict')]);
    const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
    let bodies = 0;
    await expect(spanner.write('test', async () => ++bodies)).resolves.toBe(2);
    expect(fake.runs, 'each attempt is one runner call: the runner itself never retried').toBe(2);
  });

  it('ABORTED on every attempt surfaces as ConflictError after maxAttempts', async () => {
    const fake = fakeDatabase(Array.from({ length: 5 }, () => grpcError(GrpcCode.ABORTED, 'x')));
    const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
    const error = await spanner.write('test', async () => 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).attempts).toBe(3);
    expect(fake.runs).toBe(3);
  });

  it.each([
    ['UNAVAILABLE', GrpcCode.UNAVAILABLE, 'Connection dropped'],
    ['DEADLINE_EXCEEDED', GrpcCode.DEADLINE_EXCEEDED, 'Deadline exceeded'],
    ['CANCELLED', GrpcCode.CANCELLED, 'Call cancelled'],
    ['INTERNAL (stream reset)', GrpcCode.INTERNAL, 'Received RST_STREAM with code 2'],
  ])(
    'a Commit failing with %s after sending → OutcomeUnknownError, not retried',
    async (_, code, message) => {
      const fake = fakeDatabase([grpcError(code, message)]);
      const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
      const error = await spanner
        .write('operations.checkpoint', async () => 1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect((error as OutcomeUnknownError).retryable).toBe(false);
      expect((error as OutcomeUnknownError).operation).toBe('operations.checkpoint');
      expect(fake.commits, 'a write that may have committed is never sent again').toBe(1);
    },
  );

  it('a read-back that proves the commit applied settles an unknown outcome as success', async () => {
    const fake = fakeDatabase([grpcError(GrpcCode.UNAVAILABLE, 'Connection dropped')]);
    const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
    const settled = await spanner.write('nodes.commit', async () => 'sent', {
      settle: async () => ({ value: 'settled' }),
    });
    expect(settled).toBe('settled');
  });

  it('a read-back that cannot tell leaves the outcome unknown', async () => {
    const fake = fakeDatabase([grpcError(GrpcCode.UNAVAILABLE, 'Connection dropped')]);
    const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
    const unsettled = await spanner
      .write('nodes.commit', async () => 'sent', { settle: async () => null })
      .catch((e: unknown) => e);
    expect(unsettled).toBeInstanceOf(OutcomeUnknownError);
    expect(fake.commits).toBe(1);
  });

  it('a user callback error propagates unchanged, and the transaction is rolled back', async () => {
    const fake = fakeDatabase([]);
    const spanner = new SpannerTransactions(fake.database, policy, undefined, null);
    const boom = new Error('boom');
    await expect(
      spanner.write('transaction', async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(fake.commits).toBe(0);
  });
});

describe('translateSpannerError', () => {
  it('ABORTED → TransactionAbortedError (retryable), with the driver error as cause', () => {
    const cause = grpcError(GrpcCode.ABORTED, 'ABORTED: Transaction was aborted');
    const typed = translateSpannerError(cause, 'x') as TransactionAbortedError;
    expect(typed).toBeInstanceOf(TransactionAbortedError);
    expect(typed.retryable).toBe(true);
    expect(typed.cause).toBe(cause);
  });

  it('UNAVAILABLE on a statement (nothing committed) → retryable BackendError', () => {
    const typed = translateSpannerError(grpcError(GrpcCode.UNAVAILABLE, 'down'), 'x');
    expect(typed).toBeInstanceOf(BackendError);
    expect((typed as BackendError).retryable).toBe(true);
  });

  it('a missing table of ours → SchemaNotReadyError', () => {
    const typed = translateSpannerError(
      grpcError(GrpcCode.INVALID_ARGUMENT, 'Table not found: checkpointkit_checkpoints'),
      'x',
    );
    expect(typed).toBeInstanceOf(SchemaNotReadyError);
  });

  it('errors that are not the driver’s pass through unchanged', () => {
    const own = new Error('mine');
    expect(translateSpannerError(own, 'x')).toBe(own);
  });
});

describe('schema not ready names our tables only', () => {
  it('a missing table of the user’s (in their callback) stays a BackendError', () => {
    const missing = grpcError(GrpcCode.INVALID_ARGUMENT, 'Table not found: Charges');
    expect(translateSpannerError(missing, 'x', 'statement', 'checkpointkit')).toBeInstanceOf(
      BackendError,
    );
    const ours = grpcError(GrpcCode.INVALID_ARGUMENT, 'Table not found: checkpointkit_operations');
    expect(translateSpannerError(ours, 'x', 'statement', 'checkpointkit')).toBeInstanceOf(
      SchemaNotReadyError,
    );
  });
});
