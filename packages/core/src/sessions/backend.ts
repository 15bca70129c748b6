/**
 * What an adapter implements for commit sessions: a namespaced KV and marker-guarded datasets.
 * composeAdapter refuses calls after close and retries TransactionAbortedError (see
 * AdapterBackends in ../adapter.ts).
 *
 * Copies: what `kvGet`, `datasetGet` and `datasetMarker` return goes to the user as it is, so
 * return arrays nobody else holds (a driver's fresh buffer, or a copy of what the backend keeps).
 * Core copies a value when the user hands it over (kvSet, a dataset's set), but a dataset's
 * `changes` also go to the user's `onCommit`: a backend that keeps arrays in process memory copies
 * them (the memory adapter does).
 */
import { bytesEqual, compareBytes, toHex } from '../bytes.js';
import { ValidationError } from '../errors.js';
import type { DatasetChange, DatasetMarker } from './types.js';

export type DatasetApplyOutcome =
  | { readonly applied: true }
  | { readonly applied: false; readonly id: Uint8Array };

export interface SessionBackend<Tx> {
  kvGet(namespace: string, key: string): Promise<Uint8Array | null>;
  kvSet(namespace: string, key: string, value: Uint8Array): Promise<void>;
  kvDelete(namespace: string, key: string): Promise<void>;
  datasetGet(dataset: string, key: string): Promise<Uint8Array | null>;
  datasetKeys(dataset: string): Promise<string[]>;
  datasetMarker(dataset: string): Promise<DatasetMarker | null>;
  /**
   * One transaction: read the marker; `decideDatasetApply(...)`; if it returns an id, write
   * nothing and return it; otherwise apply `changes`, set the marker to `marker` and run
   * `onCommit(tx, changes)`, all or nothing.
   */
  datasetApply(
    dataset: string,
    changes: readonly DatasetChange[],
    marker: DatasetMarker,
    monotonicKeys: boolean,
    onCommit: ((tx: Tx, changes: readonly DatasetChange[]) => void | Promise<void>) | undefined,
  ): Promise<DatasetApplyOutcome>;
}

/**
 * The marker rule, applied inside the dataset's transaction: a session whose key the marker
 * already holds was applied before (a replay or a recovery) → return its stored id; with
 * monotonic keys, a key below the marker's is rejected; otherwise apply (→ null).
 */
export function decideDatasetApply(
  dataset: string,
  stored: DatasetMarker | null,
  key: Uint8Array,
  monotonicKeys: boolean,
): Uint8Array | null {
  if (!stored) return null;
  if (bytesEqual(stored.key, key)) return stored.id;
  if (monotonicKeys && compareBytes(key, stored.key) < 0) {
    throw new ValidationError(
      'idempotencyKey',
      `${toHex(key)} is not greater than dataset ${JSON.stringify(dataset)}'s last key ${toHex(stored.key)}`,
    );
  }
  return null;
}
