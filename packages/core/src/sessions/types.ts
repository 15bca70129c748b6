/** Commit sessions: the public API of the contract, §4 (docs/contract.md). */

/** A store that can take part in a commit session. */
export interface Committable {
  /** A session starts: accept writes until commit or cancel. */
  begin(idempotencyKey: Uint8Array): Promise<void>;
  /** Instead of begin, after a crash: the same session is replayed; changes already applied must not apply twice. */
  beginRecovery(idempotencyKey: Uint8Array): Promise<void>;
  /** Applies the session; returns an id computed deterministically from the applied changes. */
  commit(idempotencyKey: Uint8Array): Promise<Uint8Array>;
  /** Discards the session, back to the state before begin. */
  cancel(): Promise<void>;
}

/** Durable key-value storage for the MultiCommitter's own bookkeeping. */
export interface SessionKV {
  get(key: string): Promise<Uint8Array | null>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** One change to a dataset: `value` null deletes the key. */
export interface DatasetChange {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** The last session a dataset applied. */
export interface DatasetMarker {
  readonly key: Uint8Array;
  readonly id: Uint8Array;
}

export interface CommittableDatasetOptions<Tx> {
  /** Reject an idempotency key that is not greater (byte-wise) than the last applied one. */
  readonly monotonicKeys?: boolean;
  /**
   * Runs inside the transaction that applies the changes, so that the caller's own writes
   * through `tx` commit together with them. May run again if the backend retries.
   */
  readonly onCommit?: (tx: Tx, changes: readonly DatasetChange[]) => void | Promise<void>;
}

/**
 * A key→bytes dataset that takes `set`/`delete` during a session and applies them at commit in
 * one backend transaction together with its (lastKey, lastId) marker.
 */
export interface CommittableDataset extends Committable {
  readonly name: string;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
  /** The committed value. */
  get(key: string): Promise<Uint8Array | null>;
  /** Committed keys, byte-wise order. */
  keys(): Promise<string[]>;
  marker(): Promise<DatasetMarker | null>;
}

export interface SessionStore<Tx> {
  kv(namespace: string): SessionKV;
  committable(name: string, options?: CommittableDatasetOptions<Tx>): CommittableDataset;
}
