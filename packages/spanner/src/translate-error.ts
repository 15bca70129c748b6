/**
 * The one place where @google-cloud/spanner's errors become checkpointkit's typed errors. Every
 * statement, read and commit of the adapter — and every error leaving a transaction, the user's
 * callback included — passes through here.
 *
 *   ABORTED                                  → TransactionAbortedError (core's policy retries it)
 *   a Commit RPC failing after it was sent   → OutcomeUnknownError (never retried: it may have
 *     (UNAVAILABLE, DEADLINE_EXCEEDED,          committed), unless the caller settled it by a
 *      CANCELLED, a reset stream)               read-back first
 *   NOT_FOUND / INVALID_ARGUMENT: a missing  → SchemaNotReadyError ("call setup()"); a user's
 *     table or column of ours                  own missing table stays a BackendError
 *   anything else from gRPC                  → BackendError with the driver error as cause
 */
import {
  BackendError,
  CheckpointKitError,
  OutcomeUnknownError,
  SchemaNotReadyError,
  TransactionAbortedError,
} from '@checkpointkit/core';

/** gRPC status codes (google.rpc.Code) that the adapter tells apart. */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

interface GrpcErrorLike {
  readonly code: number;
  readonly message: string;
}

export function isGrpcError(error: unknown): error is GrpcErrorLike {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}

export function grpcCode(error: unknown): number | null {
  return isGrpcError(error) ? error.code : null;
}

/** Codes with which a Commit RPC may have reached Spanner and committed without our hearing it. */
function commitOutcomeUnknown(error: GrpcErrorLike): boolean {
  switch (error.code) {
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.CANCELLED:
    case GrpcCode.UNKNOWN:
      return true;
    case GrpcCode.INTERNAL:
      // A stream torn down under the call (the cases the client's own runner treats as retryable).
      return /RST_STREAM|unexpected EOS|Connection closed|INTERNAL_ERROR|ECONNRESET/i.test(
        error.message,
      );
    default:
      return false;
  }
}

/** A message naming a table, column or index that is not there: the schema is not set up. */
const MISSING_SCHEMA =
  /(Table|Column|Index) not found|Table not found|Unrecognized name|not found: (Table|Column|Index)/i;

/**
 * Returns the typed error for `error`; errors that are already checkpointkit's, and errors that
 * are not the driver's (a user callback's own), pass through unchanged. `operation` names the
 * call for messages; `phase` says whether the failed RPC was the transaction's Commit;
 * `tablePrefix`, when known, limits "schema not ready" to messages naming one of our tables.
 */
export function translateSpannerError(
  error: unknown,
  operation: string,
  phase: 'statement' | 'commit' = 'statement',
  tablePrefix?: string,
): unknown {
  if (error instanceof CheckpointKitError) return error;
  if (!isGrpcError(error)) return error;
  const detail = `Spanner (${operation}): ${error.message}`;
  if (error.code === GrpcCode.ABORTED) {
    return new TransactionAbortedError(detail, { cause: error });
  }
  if (phase === 'commit' && commitOutcomeUnknown(error)) {
    return new OutcomeUnknownError(
      operation,
      `the Commit RPC failed after it was sent (${error.message}); read the state, then decide`,
      { cause: error },
    );
  }
  if (
    (error.code === GrpcCode.NOT_FOUND || error.code === GrpcCode.INVALID_ARGUMENT) &&
    MISSING_SCHEMA.test(error.message) &&
    (tablePrefix === undefined || error.message.includes(`${tablePrefix}_`))
  ) {
    return new SchemaNotReadyError(
      `${detail} — call adapter.setup() (or apply spannerDdl()) first`,
      { cause: error },
    );
  }
  const retryable =
    error.code === GrpcCode.UNAVAILABLE || error.code === GrpcCode.DEADLINE_EXCEEDED;
  return new BackendError(detail, { cause: error, retryable });
}
