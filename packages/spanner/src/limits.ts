/**
 * Cloud Spanner's production limits, enforced by the adapter itself because the emulator is
 * lenient (it never counts mutations, and a commit over ~75 MiB hangs there with no error):
 *
 *   per commit  at most 80,000 mutations and 100 MiB
 *   per cell    at most 10 MiB (BYTES and STRING values)
 *   per key     at most 8 KiB (all key columns of a row, and of each index entry)
 *
 * A mutation is counted the way Spanner counts it: an insert or update counts one per column it
 * writes (key columns included) plus one per secondary index entry it changes; a deleted row or
 * key range counts one. Our payloads are chunked so that no cell passes CELL_CHUNK_BYTES, and
 * every commit of ours is measured by a CommitTally before it is sent. Keys stay under 8 KiB by
 * construction: core caps every key part (project 40 B, resourceId and uniquifier 1 KiB, names
 * ≤ 512 B, session keys 1 KiB, node ids 256 B), so the longest key or index entry here is under
 * 2.2 KiB and needs no check at run time.
 */
import { PayloadTooLargeError } from '@checkpointkit/core';

export const MAX_MUTATIONS_PER_COMMIT = 80_000;
export const MAX_COMMIT_BYTES = 100 * 1024 * 1024;
export const MAX_CELL_BYTES = 10 * 1024 * 1024;
export const MAX_KEY_BYTES = 8 * 1024;

/** Payload chunks per cell: 8 MiB leaves the 10 MiB cell limit room for encoding overhead. */
export const CELL_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Largest payload (operation checkpoint data, encoded node state) the adapter accepts: one
 * operation checkpoint is written in one commit, which must stay well under 100 MiB with its
 * other rows. Also core's default (64 MiB, DEFAULT_MAX_PAYLOAD_BYTES).
 */
export const SPANNER_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Budget for commits the adapter splits itself (node shards, group commits, bulk deletes):
 * comfortably under the limits, so one batch never needs a second look.
 */
export const BATCH_COMMIT_BYTES = 32 * 1024 * 1024;
export const BATCH_MUTATIONS = 20_000;

/** What one commit carried. */
export interface CommitStats {
  /** The adapter call, e.g. `nodes.writeShards`. */
  readonly operation: string;
  readonly mutations: number;
  readonly bytes: number;
}

/** Byte size of a cell value as Spanner counts it (UTF-8 for strings, 8 for numbers). */
export function cellBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.byteLength;
  return 8;
}

/** Counts the mutations and bytes of one commit of ours and refuses one over the limits. */
export class CommitTally {
  mutations = 0;
  bytes = 0;

  /** A written row: one mutation per column, plus one per secondary index entry it changes. */
  row(values: readonly unknown[], indexEntries = 0): void {
    this.mutations += values.length + indexEntries;
    for (const value of values) this.bytes += cellBytes(value);
  }

  /** Deleted rows or key ranges (with their index entries). */
  deletions(count: number, indexEntries = 0): void {
    this.mutations += count * (1 + indexEntries);
  }

  /** Would `mutations` more mutations and `bytes` more bytes still fit a batch of ours? */
  batchHasRoom(mutations: number, bytes: number): boolean {
    return (
      this.mutations + mutations <= BATCH_MUTATIONS && this.bytes + bytes <= BATCH_COMMIT_BYTES
    );
  }

  /** Throws PayloadTooLargeError if the commit would pass a production limit. */
  check(operation: string): void {
    if (this.mutations > MAX_MUTATIONS_PER_COMMIT) {
      throw new PayloadTooLargeError(
        `${operation} commit mutations`,
        this.mutations,
        MAX_MUTATIONS_PER_COMMIT,
      );
    }
    if (this.bytes > MAX_COMMIT_BYTES) {
      throw new PayloadTooLargeError(`${operation} commit`, this.bytes, MAX_COMMIT_BYTES);
    }
  }

  stats(operation: string): CommitStats {
    return { operation, mutations: this.mutations, bytes: this.bytes };
  }
}

/** Splits `bytes` into cells of at most CELL_CHUNK_BYTES (one empty chunk for empty data). */
export function cellChunks(bytes: Uint8Array): Uint8Array[] {
  if (bytes.byteLength === 0) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += CELL_CHUNK_BYTES) {
    chunks.push(bytes.subarray(offset, offset + CELL_CHUNK_BYTES));
  }
  return chunks;
}
