/**
 * The one place where @google-cloud/datastore's errors become checkpointkit's typed errors. Every
 * request of the adapter, and every error leaving a transaction (the user's callback included),
 * passes through `translateDatastoreError`.
 *
 * The client reports gRPC status codes (`error.code`, a number). What each means here:
 *   10 ABORTED            contention ("too much contention on these datastore entities"): the
 *                         transaction did not happen; the core retry policy runs it again (the
 *                         client itself does not retry it).
 *   1 CANCELLED, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, or a reset connection
 *                         during a commit: the commit may or may not have been applied →
 *                         OutcomeUnknownError (never retryable); before/outside a commit the
 *                         request changed nothing → retryable BackendError.
 *   3 INVALID_ARGUMENT    a limit the store enforces (entity or property size, entity groups per
 *                         transaction) or a malformed request → BackendError, not retryable.
 *   9 FAILED_PRECONDITION a missing composite index (production, or an emulator started with
 *                         --require_indexes) → SchemaNotReadyError.
 */
import {
  BackendError,
  CheckpointKitError,
  OutcomeUnknownError,
  SchemaNotReadyError,
  TransactionAbortedError,
} from '@checkpointkit/core';

interface GrpcErrorLike {
  readonly code: number;
  readonly message: string;
  readonly details?: string;
}

function isGrpcError(error: unknown): error is GrpcErrorLike {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}

const ABORTED = 10;
/** The request may have reached the server and been applied before the reply was lost. */
const IN_DOUBT = new Set([1, 4, 14]);
const RESET = /ECONNRESET|EPIPE|socket hang up|Connection dropped|RST_STREAM/i;

/** Where the error happened: only a commit can leave the outcome unknown. */
export interface RequestContext {
  /** The public call, e.g. `operations.checkpoint`. */
  readonly operation: string;
  readonly committing: boolean;
}

export function translateDatastoreError(error: unknown, context: RequestContext): unknown {
  if (error instanceof CheckpointKitError) return error;
  if (!(error instanceof Error)) return error;
  const code = isGrpcError(error) ? error.code : undefined;
  const what = `Datastore ${context.operation}`;
  if (code === ABORTED) {
    return new TransactionAbortedError(`${what}: ${error.message}`, { cause: error });
  }
  const inDoubt = (code !== undefined && IN_DOUBT.has(code)) || RESET.test(error.message);
  if (inDoubt && context.committing) {
    return new OutcomeUnknownError(
      context.operation,
      `commit failed after sending: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (inDoubt) {
    return new BackendError(`${what}: ${error.message}`, { cause: error, retryable: true });
  }
  if (code === 9 && /index/i.test(error.message)) {
    return new SchemaNotReadyError(
      `${what}: ${error.message} — deploy the composite indexes of datastoreIndexYaml() first`,
      { cause: error },
    );
  }
  if (code !== undefined) {
    return new BackendError(`${what} (gRPC ${code}): ${error.message}`, { cause: error });
  }
  return error;
}
