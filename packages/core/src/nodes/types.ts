/** Sharded node state: the public API of the contract, §5 (docs/contract.md). */

export interface Codec<S> {
  encode(state: S): Uint8Array;
  decode(bytes: Uint8Array): S;
}

export interface NodeStoreOptions<S> {
  /** Default: JSON (UTF-8). */
  readonly codec?: Codec<S>;
  /** Largest shard; shards average a quarter of it. Default 512 KiB (or the backend's limit). */
  readonly shardBytes?: number;
  /** Attempts of run() before ConflictError; default 10. */
  readonly maxAttempts?: number;
}

/**
 * What modify returns: the new state, or nothing when it changed the state it was given in place.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets `(s) => { s.count++ }` type-check (the contract, §5)
export type Modified<S> = S | void;

export interface Operator<S, Tx> {
  /**
   * Changes the state (in place, or by returning a new one). May run more than once, each time
   * on a freshly decoded state: keep side effects out of it, or reset them on every call.
   */
  modify(state: S): Modified<S> | Promise<Modified<S>>;
  /** Inside the transaction that stores the new generation (again if the backend retries it). */
  commit?(tx: Tx): Promise<void>;
  /** Exactly once, after the new generation is committed. */
  finish?(): void;
}

export interface NodeStoreStats {
  /** Root records read (one per get/run attempt). */
  readonly rootReads: number;
  /** Shards read from the backend (cache misses). */
  readonly shardReads: number;
  readonly shardsWritten: number;
  readonly bytesWritten: number;
  /** run() attempts lost to a concurrent writer. */
  readonly conflicts: number;
}

export interface NodeStore<S, Tx> {
  readonly id: string;
  /** AlreadyExistsError if the id exists. */
  create(initial: S): Promise<void>;
  /** NotFoundError if absent. A fresh decode each call; shards are read only when the generation moved. */
  get(): Promise<S>;
  run(
    op: Operator<S, Tx> | ((state: S) => Modified<S> | Promise<Modified<S>>),
  ): Promise<{ generation: number }>;
  /** The generation last seen by this store (0 before any read). */
  readonly generation: number;
  delete(): Promise<void>;
  /** Deletes this id's shards that no root references and that were last written or referenced more than graceMs ago. */
  clean(options: { readonly graceMs: number }): Promise<number>;
  readonly stats: NodeStoreStats;
}

export interface NodeStores<S, Tx> {
  /** A per-id singleton of this collection (shares its cache). */
  for(id: string): NodeStore<S, Tx>;
  /** A new store with its own cache: behaves like another process. */
  'new'(id: string): NodeStore<S, Tx>;
  /** Ids that have a root, byte-wise order. */
  list(): Promise<string[]>;
}
