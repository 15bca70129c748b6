/**
 * What an adapter implements for node state. A node is a root record plus immutable shards:
 *
 *   root   (id) → generation, shard hashes in order, byte length, sha256 of the whole
 *   shard  (id, sha256 hex) → bytes, stampMs (when last written or last dropped by a root)
 *
 * Shards are written before the root that references them, so a reader that sees a root finds
 * its shards. `cleanShards` deletes shards that the current root does not reference and whose
 * stamp is old, in one step with the root read; re-stamping dropped shards at commit keeps
 * them for readers of the previous generation for the whole grace period. composeAdapter
 * refuses calls after close and retries TransactionAbortedError (see AdapterBackends in
 * ../adapter.ts).
 */
export interface NodeRoot {
  readonly id: string;
  readonly generation: number;
  readonly shards: readonly string[];
  readonly byteLength: number;
  readonly sha256: string;
}

export type NodeRootHead = Pick<NodeRoot, 'generation' | 'sha256'>;

export interface ShardWrite {
  readonly hash: string;
  readonly bytes: Uint8Array;
}

export type CommitRootOutcome =
  | { readonly committed: true }
  | { readonly committed: false; readonly actual: number | null };

export interface NodeBackend<Tx> {
  /**
   * The largest shard one record (row, value, entity property) can hold on this backend, with
   * room for the rest of the record. It bounds the `shardBytes` option (validated against it) and
   * the default shard size is min(DEFAULT_SHARD_BYTES = 512 KiB, maxShardBytes); at least
   * MIN_SHARD_BYTES (256). Pick the store's per-value limit less the key and the other columns:
   * memory, SQLite and Redis say 64 MiB (any shard fits), Spanner 8 MiB (cells hold 10 MiB),
   * Datastore 1,000,000 bytes (entities hold 1 MiB with their key).
   */
  readonly maxShardBytes: number;
  readRoot(id: string): Promise<NodeRoot | null>;
  /**
   * Optional, and worth having where the shard list is large: the root's generation and sha256
   * only, without the shard list. A store whose cache holds a generation asks this first, so a
   * cache hit moves a few bytes however many shards the state spans.
   */
  readRootHead?(id: string): Promise<NodeRootHead | null>;
  /** The requested shards that exist; missing ones are absent from the map. Core copies them. */
  readShards(id: string, hashes: readonly string[]): Promise<Map<string, Uint8Array>>;
  /**
   * Upserts shards (content-addressed: same hash, same bytes) with stamp `nowMs`. `bytes` are
   * views of the codec's output: a backend that keeps arrays in process memory copies them.
   */
  writeShards(id: string, shards: readonly ShardWrite[], nowMs: number): Promise<void>;
  /**
   * One transaction: if the stored root's generation is `expectedGeneration` (null: no root may
   * exist), store `root`, stamp the `retired` shards with `nowMs`, run `onCommit(tx)`; otherwise
   * write nothing and report the actual generation (null if no root).
   */
  commitRoot(
    id: string,
    expectedGeneration: number | null,
    root: NodeRoot,
    retired: readonly string[],
    nowMs: number,
    onCommit: ((tx: Tx) => Promise<void>) | undefined,
  ): Promise<CommitRootOutcome>;
  /** Deletes the root, then every shard of the id. */
  deleteNode(id: string): Promise<void>;
  listIds(): Promise<string[]>;
  /** See above; returns how many shards were deleted. */
  cleanShards(id: string, stampBeforeMs: number): Promise<number>;
}
