/** Run-once checkpoints: the public API of the contract, §1 (docs/contract.md). */
import type { Codec } from '../nodes/types.js';

export interface CheckpointKey {
  readonly project: string;
  readonly resourceId: string;
  readonly processId: string;
  /** May be empty (the default) when a process has one checkpoint per resource. */
  readonly uniquifier?: string;
}

/** A key after validation: the uniquifier is always present. */
export interface NormalizedCheckpointKey extends CheckpointKey {
  readonly uniquifier: string;
}

export interface Checkpoint {
  readonly key: NormalizedCheckpointKey;
  readonly creationTime: Date;
  readonly expiryTime: Date;
}

/** A key claimed for an external side effect and not yet completed. */
export interface InProgressCheckpoint {
  readonly key: NormalizedCheckpointKey;
  readonly inProgress: true;
  readonly owner: string;
  readonly claimTime: Date;
  readonly leaseExpiryTime: Date;
}

export interface TtlOptions {
  readonly ttlMs: number;
}

/**
 * How the first run's result is kept: a Codec, `'json'` (JSON text, the default codec of node
 * state) or `'bytes'` (a Uint8Array, stored as is).
 */
export type ResultCodec<T> = Codec<T> | 'json' | 'bytes';

/** Idempotency-key semantics for runOnce and claim (the first result, and the request it answered). */
export interface IdempotencyOptions<T> {
  /**
   * Keep the first run's result with the checkpoint, in the same write: runOnce stores what
   * `work` returns, a claim what `complete({ value })` is given. A replay returns it decoded.
   * Encoded, at most the adapter's `maxResultBytes` (default 64 KiB), else PayloadTooLargeError
   * before anything is written.
   */
  readonly result?: ResultCodec<T>;
  /**
   * What identifies the request (its canonical body, say); stored as its sha256. A replay with
   * another fingerprint fails with IdempotencyKeyMismatchError, writing nothing; a checkpoint
   * stored without one is not checked.
   */
  readonly fingerprint?: string | Uint8Array;
}

export interface RunOnceOptions<T = unknown> extends TtlOptions, IdempotencyOptions<T> {}

export interface ClaimOptions<T = unknown> extends IdempotencyOptions<T> {
  readonly leaseMs: number;
  /** Who holds the lease; shown to other claimers in AlreadyExistsError. */
  readonly owner: string;
}

export type RunOnceResult<T> =
  | { readonly ran: true; readonly value: T }
  | {
      readonly ran: false;
      readonly checkpoint: Checkpoint;
      /** The first run's result, decoded; undefined when none was stored (no `result` option). */
      readonly value: T | undefined;
    };

export interface WaitForOptions<T = unknown> {
  /** How long to wait for an in-progress claim to complete; default 30 s. */
  readonly timeoutMs?: number;
  /** How often to look; default 100 ms. */
  readonly pollIntervalMs?: number;
  /** The codec the result was stored with (runOnce's or claim's `result`). */
  readonly result?: ResultCodec<T>;
}

export interface CompletedCheckpoint<T> {
  readonly checkpoint: Checkpoint;
  /** The stored result, decoded; undefined when none was stored. */
  readonly value: T | undefined;
}

/**
 * The right to perform one external side effect for a key. Until `complete` or the lease runs
 * out, nobody else can claim the key. Once another worker claims the key after the lease ran
 * out, this claim's `complete` and `renew` fail with LeaseLostError.
 */
export interface Claim<T = unknown> {
  readonly key: NormalizedCheckpointKey;
  /** The fencing token: unique per claim. */
  readonly token: string;
  readonly owner: string;
  readonly leaseExpiryTime: Date;
  /**
   * Turns the claim into a normal checkpoint, storing `value` as its result when the claim was
   * made with `result`. LeaseLostError if the key was claimed by another since.
   */
  complete(options: TtlOptions & { readonly value?: T }): Promise<Checkpoint>;
  /** Extends the lease from now. LeaseLostError if the key was claimed by another since. */
  renew(options: { readonly leaseMs: number }): Promise<void>;
  /** Gives the key up so another worker may claim it at once. Does nothing if already lost. */
  release(): Promise<void>;
}

export interface ListUniquifiersOptions {
  /** Uniquifiers fetched per round trip; default 500. */
  readonly pageSize?: number;
}

export interface CheckpointStore<Tx> {
  /** False for absent, expired and in-progress (claimed, not completed) keys. */
  exists(key: CheckpointKey): Promise<boolean>;
  /** AlreadyExistsError (carrying the live record) if the key is live. */
  insert(key: CheckpointKey, options: TtlOptions): Promise<Checkpoint>;
  /** False, without error, if the key is live. */
  tryInsert(key: CheckpointKey, options: TtlOptions): Promise<boolean>;
  /**
   * Inserts the checkpoint inside the caller's backend transaction so that it commits with the
   * caller's own writes. A live key makes the transaction fail with AlreadyExistsError.
   */
  insertIn(tx: Tx, key: CheckpointKey, options: TtlOptions): void | Promise<void>;
  /** Live uniquifiers of one (project, resourceId, processId). */
  readAllUniquifiers(project: string, resourceId: string, processId: string): Promise<Set<string>>;
  /** The same set, paged, in byte-wise order. */
  listUniquifiers(
    project: string,
    resourceId: string,
    processId: string,
    options?: ListUniquifiersOptions,
  ): AsyncIterable<string>;
  /**
   * In one backend transaction: if the key is live, returns `ran: false` without calling `work`;
   * otherwise calls `work(tx)` and inserts the checkpoint, committing both or neither. `work` may
   * be called again if the backend retries the transaction, or (on backends that check before
   * they lock) called and discarded when another process wins the race; its writes through `tx`
   * commit exactly once.
   */
  runOnce<T>(
    key: CheckpointKey,
    options: RunOnceOptions<T>,
    work: (tx: Tx) => Promise<T>,
  ): Promise<RunOnceResult<T>>;
  /**
   * For side effects outside the store: see Claim. A live completed checkpoint → AlreadyExistsError
   * (its result: `waitFor`); a fingerprint other than the stored one → IdempotencyKeyMismatchError.
   */
  claim<T = unknown>(key: CheckpointKey, options: ClaimOptions<T>): Promise<Claim<T>>;
  /**
   * The live completed checkpoint and its result: at once if it exists, else once an in-progress
   * claim completes (polling). NotFoundError when there is neither a checkpoint nor a claim (or
   * the claim was released or ran out); WaitTimeoutError after `timeoutMs`.
   */
  waitFor<T = unknown>(
    key: CheckpointKey,
    options?: WaitForOptions<T>,
  ): Promise<CompletedCheckpoint<T>>;
  /** Deletes expired checkpoints and expired claims; returns how many. */
  purgeExpired(): Promise<number>;
  /** Every completed checkpoint, expired or not, sorted by key. Not for production. */
  readAllForTesting(): Promise<Checkpoint[]>;
  /** Replaces every stored checkpoint and claim with `checkpoints`. Not for production. */
  setForTesting(checkpoints: readonly Checkpoint[]): Promise<void>;
}
