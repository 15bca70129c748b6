/**
 * What an adapter implements for operation checkpoints. Per operation the backend keeps a
 * persisted sequence counter (ids are never reused: not after compact, clear or complete), the
 * last fencing token issued, the current lease, and the checkpoints keyed by sequence number.
 * Every method is one atomic step; the ones that write take the caller's fence and must call
 * `checkFence` (./fence.ts) inside that step, first: a fenced-out writer fails with
 * LeaseLostError even when there is nothing to do. composeAdapter refuses calls after close and
 * retries TransactionAbortedError (see AdapterBackends in ../adapter.ts).
 *
 * Copies: core copies `data` before `append` and copies what `latest`/`load` return, so a backend
 * may keep and return its own arrays.
 */

export interface StoredOperationCheckpoint {
  readonly seq: number;
  readonly label: string;
  readonly data: Uint8Array;
  readonly createdMs: number;
}

export interface OperationLeaseRecord {
  readonly owner: string;
  readonly token: number;
  readonly expiryMs: number;
}

/** The token the writing handle holds, or null for a handle without a lease. */
export type Fence = number | null;

export type AcquireOutcome =
  | { readonly acquired: OperationLeaseRecord }
  | { readonly held: OperationLeaseRecord };

export interface OperationBackend {
  /** Increments the counter and stores the checkpoint under the new sequence number; returns it. */
  append(
    name: string,
    entry: { readonly label: string; readonly data: Uint8Array; readonly createdMs: number },
    fence: Fence,
    nowMs: number,
  ): Promise<number>;
  latest(name: string): Promise<StoredOperationCheckpoint | null>;
  load(name: string, seq: number): Promise<StoredOperationCheckpoint | null>;
  listSeqs(name: string): Promise<number[]>;
  /**
   * `checkFence` first; then, if the operation has checkpoints: increments the counter, stores
   * one checkpoint with the latest data under the new number and `entry.label`, deletes all the
   * others; returns the new number. Otherwise returns null and writes nothing.
   */
  compact(
    name: string,
    entry: { readonly label: string; readonly createdMs: number },
    fence: Fence,
    nowMs: number,
  ): Promise<number | null>;
  /**
   * `checkFence` first; then deletes every checkpoint (the counter stays, even with none to
   * delete). With `endLease` and a fence, also ends that lease (complete()); with `endLease` and
   * no fence (null), the lease is left as it is.
   */
  clear(name: string, fence: Fence, nowMs: number, endLease: boolean): Promise<void>;
  /** Grants a lease with token = last issued + 1 unless a lease is live at `nowMs`. */
  acquire(name: string, owner: string, expiryMs: number, nowMs: number): Promise<AcquireOutcome>;
  /** Sets the lease expiry if `token` is still the current lease; false otherwise. */
  renewLease(name: string, token: number, expiryMs: number): Promise<boolean>;
  /** Ends the lease if `token` is still current; false otherwise. */
  releaseLease(name: string, token: number): Promise<boolean>;
  /** Operations with at least one checkpoint, byte-wise order. */
  listNames(): Promise<string[]>;
}
