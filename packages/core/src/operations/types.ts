/** Operation checkpoints: the public API of the contract, §2 (docs/contract.md). */

export interface OperationCheckpoint {
  /** Fixed-width; sorts as a string in checkpoint order; never reused. */
  readonly id: string;
  readonly label: string;
  readonly data: Uint8Array;
  readonly createdAt: Date;
}

/** An exclusive, fenced writer lease on one operation. */
export interface OperationLease {
  readonly operation: string;
  readonly owner: string;
  /** Fencing token: grows with every acquire of this operation. */
  readonly token: number;
  readonly expiryTime: Date;
  /** Extends the lease from now; LeaseLostError if another handle acquired it since. */
  renew(options: { readonly leaseMs: number }): Promise<void>;
  /** Ends the lease; the handle then writes without a token again. Does nothing if already lost. */
  release(): Promise<void>;
}

export interface Operation {
  readonly name: string;
  /** Records a completed step; returns its id. Atomic: the whole checkpoint or none. */
  checkpoint(label: string, data: Uint8Array): Promise<string>;
  /** The newest checkpoint, or null when there is none (an empty payload is not "none"). */
  latest(): Promise<OperationCheckpoint | null>;
  /** ValidationError for a malformed id; NotFoundError when this operation has no such checkpoint. */
  load(id: string): Promise<OperationCheckpoint>;
  /** Ids, ascending. */
  list(): Promise<string[]>;
  /**
   * Atomically replaces every checkpoint by one new checkpoint (new id, `label`) holding the
   * latest data. Returns the new id, or null when there was no checkpoint.
   */
  compact(label: string): Promise<string | null>;
  /** Deletes every checkpoint. Ids are not reused afterwards. */
  clear(): Promise<void>;
  /** The operation is done: deletes every checkpoint and ends this handle's lease. */
  complete(): Promise<void>;
  /**
   * Takes the operation's exclusive writer lease for this handle. While it is live, writes
   * (checkpoint, compact, clear, complete) through handles without the current token fail with
   * LeaseLostError. AlreadyExistsError (carrying the holder) if another lease is live.
   */
  acquire(options: { readonly owner: string; readonly leaseMs: number }): Promise<OperationLease>;
}

export interface OperationStore {
  open(name: string): Operation;
  /** Names of operations that have at least one checkpoint, in byte-wise order. */
  list(): Promise<string[]>;
}
