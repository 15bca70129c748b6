/**
 * Every error checkpointkit raises. Adapters translate driver errors into these in one place
 * each; callers switch on `code` (stable strings) or `instanceof`.
 */
import { PRIMITIVE_TITLES, type Primitive } from './primitives.js';

export type ErrorCode =
  | 'VALIDATION'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TRANSACTION_ABORTED'
  | 'TIMESTAMP_REGRESSION'
  | 'IDEMPOTENCY_KEY_MISMATCH'
  | 'LEASE_LOST'
  | 'PAYLOAD_TOO_LARGE'
  | 'CORRUPT_STATE'
  | 'SCHEMA_NOT_READY'
  | 'SESSION_STATE'
  | 'OUTCOME_UNKNOWN'
  | 'STORE_FULL'
  | 'WAIT_TIMEOUT'
  | 'UNSAFE_CONFIGURATION'
  | 'NOT_IMPLEMENTED'
  | 'BACKEND';

export interface ErrorOptions {
  readonly cause?: unknown;
  readonly retryable?: boolean;
}

export class CheckpointKitError extends Error {
  readonly code: ErrorCode;
  /** True when the same call may succeed if simply tried again later. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A user-supplied value breaks a rule; `field` names it. Nothing was written. */
export class ValidationError extends CheckpointKitError {
  readonly field: string;
  constructor(field: string, problem: string, options: ErrorOptions = {}) {
    super('VALIDATION', `invalid ${field}: ${problem}`, options);
    this.field = field;
  }
}

/** The record exists (and is live); `existing` carries it. */
export class AlreadyExistsError<R = unknown> extends CheckpointKitError {
  readonly existing: R;
  constructor(message: string, existing: R, options: ErrorOptions = {}) {
    super('ALREADY_EXISTS', message, options);
    this.existing = existing;
  }
}

export class NotFoundError extends CheckpointKitError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** Optimistic concurrency gave up after its bounded attempts. Safe to retry the whole call. */
export class ConflictError extends CheckpointKitError {
  readonly expected: unknown;
  readonly actual: unknown;
  readonly attempts: number;
  constructor(
    message: string,
    details: { expected?: unknown; actual?: unknown; attempts: number },
    options: ErrorOptions = {},
  ) {
    super('CONFLICT', message, { retryable: true, ...options });
    this.expected = details.expected;
    this.actual = details.actual;
    this.attempts = details.attempts;
  }
}

/**
 * A backend transaction was aborted by a concurrent one (Spanner ABORTED, Datastore contention,
 * Redis WATCH failure, SQLITE_BUSY). Adapters throw it from their error translation; the core
 * retry policy retries it and, when attempts run out, surfaces a ConflictError instead.
 */
export class TransactionAbortedError extends CheckpointKitError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('TRANSACTION_ABORTED', message, { retryable: true, ...options });
  }
}

export class TimestampRegressionError extends CheckpointKitError {
  readonly partition: string;
  readonly proposed: string;
  readonly current: string;
  constructor(details: { partition: string; proposed: string; current: string }) {
    super(
      'TIMESTAMP_REGRESSION',
      `timestamp ${details.proposed} for partition ${JSON.stringify(details.partition)} is below its maximum ${details.current}`,
    );
    this.partition = details.partition;
    this.proposed = details.proposed;
    this.current = details.current;
  }
}

/**
 * An idempotency key used for something else than what it first stood for: a commit session
 * whose KV holds another unfinished key (`openKey`, `requestedKey`), or a run-once key replayed
 * with another request fingerprint (`storedFingerprint`, `requestedFingerprint`, hex sha256).
 * Nothing was written.
 */
export class IdempotencyKeyMismatchError extends CheckpointKitError {
  /** Hex of the key of the unfinished session ('' for a fingerprint mismatch). */
  readonly openKey: string;
  /** Hex of the key that was asked for ('' for a fingerprint mismatch). */
  readonly requestedKey: string;
  readonly storedFingerprint: string | undefined;
  readonly requestedFingerprint: string | undefined;
  constructor(
    details:
      | { openKey: string; requestedKey: string }
      | { checkpoint: string; storedFingerprint: string; requestedFingerprint: string },
  ) {
    super(
      'IDEMPOTENCY_KEY_MISMATCH',
      'checkpoint' in details
        ? `checkpoint ${details.checkpoint} was made for request fingerprint ${details.storedFingerprint}, not ${details.requestedFingerprint}`
        : `session ${details.openKey} is unfinished; cannot use key ${details.requestedKey} until it is recovered`,
    );
    this.openKey = 'openKey' in details ? details.openKey : '';
    this.requestedKey = 'requestedKey' in details ? details.requestedKey : '';
    this.storedFingerprint = 'checkpoint' in details ? details.storedFingerprint : undefined;
    this.requestedFingerprint = 'checkpoint' in details ? details.requestedFingerprint : undefined;
  }
}

/** waitFor gave up: the claim it waited on did not complete within `timeoutMs`. Retryable. */
export class WaitTimeoutError extends CheckpointKitError {
  constructor(message: string) {
    super('WAIT_TIMEOUT', message, { retryable: true });
  }
}

/** A writer holding an outdated (or no) lease token was fenced out. */
export class LeaseLostError extends CheckpointKitError {
  readonly resource: string;
  constructor(resource: string, problem: string) {
    super('LEASE_LOST', `lease on ${resource} lost: ${problem}`);
    this.resource = resource;
  }
}

export class PayloadTooLargeError extends CheckpointKitError {
  readonly field: string;
  readonly size: number;
  readonly limit: number;
  constructor(field: string, size: number, limit: number) {
    super('PAYLOAD_TOO_LARGE', `${field} is ${size} bytes; the limit is ${limit}`);
    this.field = field;
    this.size = size;
    this.limit = limit;
  }
}

/** Stored state failed its length or checksum check on reassembly. */
export class CorruptStateError extends CheckpointKitError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('CORRUPT_STATE', message, options);
  }
}

export class SchemaNotReadyError extends CheckpointKitError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('SCHEMA_NOT_READY', message, options);
  }
}

/** A session call out of order: set() with no session open, begin() twice, commit() without begin(). */
export class SessionStateError extends CheckpointKitError {
  constructor(message: string) {
    super('SESSION_STATE', message);
  }
}

/**
 * The write was sent, and the store cannot say whether it committed: the connection dropped
 * before the reply, or a commit RPC failed after it was sent. It is the third ending of a write
 * (after "succeeded" and "failed having written nothing"), and adapters raise it only when they
 * could not settle the outcome themselves (by a nonce or a read-back). Never retryable, because
 * a blind retry of a write that did commit applies it twice: read the state, then decide.
 * `operation` names the call (e.g. `operations.checkpoint`); `cause` holds the driver error.
 */
export class OutcomeUnknownError extends CheckpointKitError {
  readonly operation: string;
  constructor(operation: string, message: string, options: { readonly cause?: unknown } = {}) {
    super('OUTCOME_UNKNOWN', `${operation}: outcome unknown: ${message}`, {
      cause: options.cause,
      retryable: false,
    });
    this.operation = operation;
  }
}

/**
 * The store refused the write for lack of space (Redis `OOM` under `maxmemory`, `SQLITE_FULL`, a
 * quota). Nothing was written; trying again can help once space is freed, so it is retryable.
 */
export class StoreFullError extends CheckpointKitError {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('STORE_FULL', message, { cause: options.cause, retryable: true });
  }
}

/**
 * `setup()` found the store configured so that it may drop acknowledged records (e.g. Redis with
 * an evicting `maxmemory-policy`) or cannot keep the adapter's guarantees. `setting` names what
 * to change; the message says how.
 */
export class UnsafeConfigurationError extends CheckpointKitError {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super('UNSAFE_CONFIGURATION', message);
    this.setting = setting;
  }
}

/**
 * The adapter was built without this primitive (composeAdapter got no backend for it): every
 * method of `adapter[primitive]` throws this, synchronously, when called. `primitive` names it
 * (`'operations'`, …); `adapter` is the adapter's name. Not retryable: the call can never succeed
 * on this adapter. `adapter.primitives` lists what it does implement.
 */
export class NotImplementedError extends CheckpointKitError {
  readonly primitive: Primitive;
  readonly adapter: string;
  constructor(adapter: string, primitive: Primitive) {
    super(
      'NOT_IMPLEMENTED',
      `the ${adapter} adapter does not implement ${PRIMITIVE_TITLES[primitive]} (adapter.${primitive}): it was built without a ${primitive} backend`,
    );
    this.primitive = primitive;
    this.adapter = adapter;
  }
}

/** A driver error with no more specific meaning; `cause` holds the original. */
export class BackendError extends CheckpointKitError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('BACKEND', message, options);
  }
}
