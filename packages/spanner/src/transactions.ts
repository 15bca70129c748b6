/**
 * How the adapter talks to Spanner: read-write transactions retried by exactly one layer — core's
 * policy — and strong reads, each with its errors translated by ./translate-error.ts.
 *
 * Retries: the client's `runTransactionAsync` retries a function that throws ABORTED (backing off
 * 2^n seconds) and one that throws certain INTERNAL stream resets (the latter even when Commit was
 * the failed RPC). Our function never lets a driver error out untranslated: every error leaves it
 * as a checkpointkit error, whose string `code` the runner does not recognise, so the runner never
 * retries; `retryAborted` (core) runs the whole transaction again on TransactionAbortedError, with
 * short jittered backoff, and turns exhaustion into ConflictError. A user callback inside our
 * transactions (runOnce's work, Operator.commit, onCommit) may therefore run more than once.
 */
import {
  BackendError,
  OutcomeUnknownError,
  type RetryPolicy,
  retryAborted,
  viewBytes,
} from '@checkpointkit/core';
import { type Database, type Snapshot, Spanner, type Transaction } from '@google-cloud/spanner';
import { type CommitStats, CommitTally } from './limits.js';
import { TransactionGate } from './transaction-gate.js';
import { translateSpannerError } from './translate-error.js';

/** What user callbacks receive: the Spanner read-write Transaction the adapter will commit. */
export type SpannerTx = Transaction;

export type Row = Record<string, unknown>;

/** A parameterised GoogleSQL statement. */
export interface Statement {
  readonly sql: string;
  readonly params?: Record<string, unknown>;
  /** Types of params that may be null (Spanner cannot infer the type of a null). */
  readonly types?: Record<string, unknown>;
}

/** Anything that runs queries: a Transaction, a Snapshot, the Database. */
export type Queryable = Pick<Database, 'run'> | Pick<Snapshot, 'run'>;

/** INT64 parameter or cell value (numbers beyond 2^53 and bigints included). */
export function int64(value: number | bigint): ReturnType<typeof Spanner.int> {
  return Spanner.int(String(value));
}

/** An INT64 cell read with wrapNumbers, as a number (our counters, ms and lengths are safe). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'value' in value)
    return Number((value as { value: string }).value);
  return Number(value);
}

/** An INT64 cell read with wrapNumbers, as a bigint (HLC nanos use the whole 64-bit range). */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'object' && value !== null && 'value' in value)
    return BigInt((value as { value: string }).value);
  return BigInt(value as number);
}

/** A BYTES cell as a plain Uint8Array view (no copy). */
export function toBytes(value: unknown): Uint8Array {
  return viewBytes(value as Uint8Array);
}

/** BYTES parameters and cells are Buffers for the client. */
export function bytesParam(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Runs `statement` on `on` and returns plain rows (INT64 as wrapped numbers, see toNumber). */
export async function query(on: Queryable, statement: Statement): Promise<Row[]> {
  const [rows] = await (on as Pick<Snapshot, 'run'>).run({
    sql: statement.sql,
    params: statement.params ?? {},
    ...(statement.types ? { types: statement.types } : {}),
    json: true,
    jsonOptions: { wrapNumbers: true },
  } as Parameters<Snapshot['run']>[0]);
  return rows as unknown as Row[];
}

/** Runs a DML statement in `tx`; returns how many rows it changed. */
export async function update(tx: SpannerTx, statement: Statement): Promise<number> {
  const [count] = await tx.runUpdate({
    sql: statement.sql,
    params: statement.params ?? {},
    ...(statement.types ? { types: statement.types } : {}),
  });
  return count;
}

/** The body of one of our transactions: the Transaction and the tally of what it writes. */
export type TransactionBody<T> = (tx: SpannerTx, tally: CommitTally) => Promise<T>;

export interface WriteOptions<T> {
  /**
   * Settles a Commit whose outcome is unknown (see translate-error.ts) by reading the state back:
   * returns `{ value }` when the read proves that this very write committed, null when it cannot
   * tell (the caller then gets OutcomeUnknownError).
   */
  readonly settle?: () => Promise<{ readonly value: T } | null>;
}

export class SpannerTransactions {
  private readonly gate: TransactionGate | null;

  constructor(
    readonly database: Database,
    private readonly retry: RetryPolicy,
    private readonly observeCommit: ((stats: CommitStats) => void) | undefined,
    maxConcurrentTransactions: number | null,
    /** Our tables' prefix: a missing table of the user's is not "schema not ready". */
    private readonly tablePrefix?: string,
  ) {
    this.gate =
      maxConcurrentTransactions === null ? null : new TransactionGate(maxConcurrentTransactions);
  }

  /**
   * One read-write transaction, run again (whole) while it aborts; see the file comment. Each
   * attempt waits for the gate (./transaction-gate.ts); the backoff between attempts does not.
   */
  write<T>(operation: string, body: TransactionBody<T>, options: WriteOptions<T> = {}): Promise<T> {
    const attempt = () => this.attempt(operation, body, options);
    const gate = this.gate;
    return retryAborted(operation, this.retry, gate ? () => gate.run(attempt) : attempt);
  }

  /** The typed error for `error` (see ./translate-error.ts), for work done in a caller's Tx. */
  translate(error: unknown, operation: string): unknown {
    return translateSpannerError(error, operation, 'statement', this.tablePrefix);
  }

  /** One strong read outside any transaction. */
  async read<T>(operation: string, work: (db: Database) => Promise<T>): Promise<T> {
    try {
      return await work(this.database);
    } catch (error) {
      throw translateSpannerError(error, operation, 'statement', this.tablePrefix);
    }
  }

  /** Several reads from one strong snapshot (one consistent point in time). */
  async snapshot<T>(operation: string, work: (snapshot: Queryable) => Promise<T>): Promise<T> {
    let snapshot: Snapshot;
    try {
      [snapshot] = await this.database.getSnapshot({ strong: true });
    } catch (error) {
      throw translateSpannerError(error, operation, 'statement', this.tablePrefix);
    }
    try {
      return await work(snapshot);
    } catch (error) {
      throw translateSpannerError(error, operation, 'statement', this.tablePrefix);
    } finally {
      snapshot.end();
    }
  }

  private async attempt<T>(
    operation: string,
    body: TransactionBody<T>,
    options: WriteOptions<T>,
  ): Promise<T> {
    try {
      return await this.database.runTransactionAsync(async (tx) => {
        const tally = new CommitTally();
        let value: T;
        try {
          value = await body(tx, tally);
          if (tx.ended) {
            throw new BackendError(
              `${operation}: the transaction was ended inside its callback (commit or rollback on the tx); write through it, do not end it`,
            );
          }
          tally.check(operation);
        } catch (error) {
          await rollbackQuietly(tx);
          throw translateSpannerError(error, operation, 'statement', this.tablePrefix);
        }
        try {
          await tx.commit();
        } catch (error) {
          const typed = translateSpannerError(error, operation, 'commit', this.tablePrefix);
          if (typed instanceof OutcomeUnknownError && options.settle) {
            const settled = await options.settle().catch(() => null);
            if (settled) return settled.value;
          }
          throw typed;
        }
        this.observeCommit?.(tally.stats(operation));
        return value;
      });
    } catch (error) {
      // Session acquisition and the like fail outside our function: translate them too.
      throw translateSpannerError(error, operation, 'statement', this.tablePrefix);
    }
  }
}

async function rollbackQuietly(tx: SpannerTx): Promise<void> {
  if (tx.ended) return;
  try {
    await tx.rollback();
  } catch {
    // Nothing was committed; the transaction expires on its own.
  }
}
