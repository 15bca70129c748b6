/**
 * What an adapter implements for run-once checkpoints: storage primitives over one record per
 * key. Validation, times, expiry rules and errors live in ./store.ts. composeAdapter refuses calls
 * after close and retries TransactionAbortedError (see AdapterBackends in ../adapter.ts).
 *
 * Copies: core hands in fresh records and never changes them, nor what the backend returns; a
 * `result` is the caller's codec output (the built-in codecs make fresh arrays and decode into
 * fresh values). A backend may keep and return the objects as they are (the memory adapter does).
 */
import type { NormalizedCheckpointKey } from './types.js';

/**
 * The stored form. A completed checkpoint has no `claim`; a claimed key in progress has one and
 * its `expiryMs` is the lease deadline. A record is live while `expiryMs > now`.
 */
export interface CheckpointRecord {
  readonly key: NormalizedCheckpointKey;
  readonly creationMs: number;
  readonly expiryMs: number;
  readonly claim?: { readonly owner: string; readonly token: string } | undefined;
  /**
   * The first run's result, encoded (runOnce/claim with `result`); absent when none was given.
   * Stored and read back with the record, in the same write and the same read.
   */
  readonly result?: Uint8Array | undefined;
  /** Hex sha256 of the request's fingerprint; absent when none was given. */
  readonly fingerprint?: string | undefined;
}

export type RunOnceOutcome<T> =
  | { readonly ran: true; readonly value: T }
  | { readonly ran: false; readonly existing: CheckpointRecord };

export interface UniquifierPage {
  /** Exclusive lower bound (byte-wise); null for the first page. */
  readonly after: string | null;
  readonly limit: number;
}

export interface CheckpointBackend<Tx> {
  /** The stored record, live or not, or null. */
  read(key: NormalizedCheckpointKey): Promise<CheckpointRecord | null>;
  /**
   * One atomic step: unless a record live at `nowMs` exists for the key, write `record`
   * (replacing an expired one) and return null; otherwise write nothing and return the live one.
   */
  insertUnlessLive(record: CheckpointRecord, nowMs: number): Promise<CheckpointRecord | null>;
  /**
   * One atomic step: if the stored record is a claim with `token`, replace it by `next` (delete
   * it when `next` is null) and return true; otherwise write nothing and return false.
   */
  replaceClaim(
    key: NormalizedCheckpointKey,
    token: string,
    next: CheckpointRecord | null,
  ): Promise<boolean>;
  /** insertUnlessLive inside the caller's transaction; a live record fails it with `alreadyExists(live)`. */
  insertIn(tx: Tx, record: CheckpointRecord, nowMs: number): void | Promise<void>;
  /**
   * See CheckpointStore.runOnce; `transactionalRunOnce` implements it over read/write-in-tx.
   * `record` decides liveness and is what is written — unless `completed` is given: then, once
   * `work` returned `value`, write `completed(value)` instead (the record with the encoded
   * result; it may throw, e.g. PayloadTooLargeError, which must abort the transaction).
   */
  runOnce<T>(
    record: CheckpointRecord,
    nowMs: number,
    work: (tx: Tx) => Promise<T>,
    completed?: (value: T) => CheckpointRecord,
  ): Promise<RunOnceOutcome<T>>;
  /** Completed (unclaimed) records live at `nowMs`, uniquifiers in byte-wise order. */
  liveUniquifiers(
    prefix: Omit<NormalizedCheckpointKey, 'uniquifier'>,
    nowMs: number,
    page: UniquifierPage,
  ): Promise<string[]>;
  /** Deletes every record with `expiryMs <= nowMs`; returns how many. */
  purgeExpired(nowMs: number): Promise<number>;
  /**
   * Every stored record, claims and expired records included, in any order: core drops the
   * claims and sorts (readAllForTesting).
   */
  readAll(): Promise<CheckpointRecord[]>;
  /**
   * One atomic step: delete every record, claims included, and write `records` (completed
   * records without result or fingerprint: what setForTesting builds).
   */
  replaceAll(records: readonly CheckpointRecord[]): Promise<void>;
}
