/**
 * NodeStore, written once over NodeBackend: the generation cache, the optimistic run loop and
 * the shard bookkeeping. Adapters only store roots and shards.
 */
import type { Clock } from '../clock.js';
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../errors.js';
import { backoffDelayMs, type RetryPolicy, sleep } from '../retry.js';
import {
  requireName,
  requireNonNegativeInteger,
  requireObject,
  requirePositiveInteger,
} from '../validation.js';
import type { NodeBackend, NodeRootHead } from './backend.js';
import { jsonCodec } from './codec.js';
import { type ShardSizes, shardSizes } from './shard-boundaries.js';
import { assembleState, newShards, type StateBlob, splitState } from './state-blob.js';
import type {
  Codec,
  Modified,
  NodeStore,
  NodeStoreOptions,
  NodeStoreStats,
  NodeStores,
  Operator,
} from './types.js';

export const DEFAULT_SHARD_BYTES = 512 * 1024;
export const MIN_SHARD_BYTES = 256;
export const DEFAULT_NODE_MAX_ATTEMPTS = 10;
const MAX_NODE_ID_BYTES = 256;

interface NodeContext<S, Tx> {
  readonly backend: NodeBackend<Tx>;
  readonly clock: Clock;
  readonly codec: Codec<S>;
  readonly sizes: ShardSizes;
  readonly maxAttempts: number;
  readonly maxStateBytes: number;
  readonly retry: RetryPolicy;
}

export function createNodeStores<S, Tx>(
  backend: NodeBackend<Tx>,
  clock: Clock,
  maxStateBytes: number,
  retry: RetryPolicy,
  options: NodeStoreOptions<S> = {},
): NodeStores<S, Tx> {
  const opts = requireObject('options', options);
  const codec = (opts.codec ?? jsonCodec<S>()) as Codec<S>;
  if (typeof codec?.encode !== 'function' || typeof codec?.decode !== 'function') {
    throw new ValidationError('codec', 'must have encode() and decode()');
  }
  const shardBytes = requirePositiveInteger(
    'shardBytes',
    opts.shardBytes ?? Math.min(DEFAULT_SHARD_BYTES, backend.maxShardBytes),
    backend.maxShardBytes,
  );
  if (shardBytes < MIN_SHARD_BYTES)
    throw new ValidationError('shardBytes', `must be at least ${MIN_SHARD_BYTES}`);
  const context: NodeContext<S, Tx> = {
    backend,
    clock,
    codec,
    sizes: shardSizes(shardBytes),
    maxAttempts: requirePositiveInteger(
      'maxAttempts',
      opts.maxAttempts ?? DEFAULT_NODE_MAX_ATTEMPTS,
      1000,
    ),
    maxStateBytes,
    retry,
  };
  const singletons = new Map<string, NodeStore<S, Tx>>();
  return {
    for(id: string): NodeStore<S, Tx> {
      const key = requireName('id', id, MAX_NODE_ID_BYTES);
      let store = singletons.get(key);
      if (!store) {
        store = new ShardedNodeStore(context, key);
        singletons.set(key, store);
      }
      return store;
    },
    new(id: string): NodeStore<S, Tx> {
      return new ShardedNodeStore(context, requireName('id', id, MAX_NODE_ID_BYTES));
    },
    list(): Promise<string[]> {
      return backend.listIds();
    },
  };
}

class ShardedNodeStore<S, Tx> implements NodeStore<S, Tx> {
  private cache: StateBlob | null = null;
  private readonly counters = {
    rootReads: 0,
    shardReads: 0,
    shardsWritten: 0,
    bytesWritten: 0,
    conflicts: 0,
  };

  constructor(
    private readonly context: NodeContext<S, Tx>,
    readonly id: string,
  ) {}

  get generation(): number {
    return this.cache?.root.generation ?? 0;
  }

  get stats(): NodeStoreStats {
    return { ...this.counters };
  }

  async create(initial: S): Promise<void> {
    const split = this.split(initial, 1);
    const { backend, clock } = this.context;
    await this.writeShards(newShards(split, new Map()));
    const outcome = await backend.commitRoot(this.id, null, split.root, [], clock(), undefined);
    if (!outcome.committed) {
      // Our shards may be shared with the winner's (same content): leave them to clean().
      throw new AlreadyExistsError(`node ${JSON.stringify(this.id)} already exists`, {
        id: this.id,
        generation: outcome.actual,
      });
    }
    this.cache = split;
  }

  async get(): Promise<S> {
    const loaded = await this.load();
    return this.context.codec.decode(loaded.bytes);
  }

  async run(
    op: Operator<S, Tx> | ((state: S) => Modified<S> | Promise<Modified<S>>),
  ): Promise<{ generation: number }> {
    const operator: Operator<S, Tx> = typeof op === 'function' ? { modify: op } : op;
    if (typeof operator?.modify !== 'function')
      throw new ValidationError('op', 'must be a function or an Operator with modify()');
    const { backend, clock, codec, maxAttempts, retry } = this.context;
    const onCommit = operator.commit
      ? (tx: Tx): Promise<void> => (operator.commit as (tx: Tx) => Promise<void>).call(operator, tx)
      : undefined;
    let actual: number | null = null;
    let expected = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await this.load();
      expected = current.root.generation;
      // A fresh decode per attempt: modify never sees the cache's or an earlier attempt's object.
      const state = codec.decode(current.bytes);
      const returned = await operator.modify(state);
      const split = this.split(returned === undefined ? state : returned, expected + 1);
      await this.writeShards(newShards(split, current.shards));
      const retired = [...current.shards.keys()].filter((hash) => !split.shards.has(hash));
      const outcome = await backend.commitRoot(
        this.id,
        expected,
        split.root,
        retired,
        clock(),
        onCommit,
      );
      if (outcome.committed) {
        this.cache = split;
        operator.finish?.();
        return { generation: split.root.generation };
      }
      if (outcome.actual === null) {
        this.cache = null;
        throw new NotFoundError(`node ${JSON.stringify(this.id)} was deleted`);
      }
      actual = outcome.actual;
      this.counters.conflicts++;
      if (attempt < maxAttempts) await sleep(backoffDelayMs(attempt, retry));
    }
    throw new ConflictError(
      `node ${JSON.stringify(this.id)}: generation kept moving for ${maxAttempts} attempts`,
      { expected, actual, attempts: maxAttempts },
    );
  }

  async delete(): Promise<void> {
    this.cache = null;
    await this.context.backend.deleteNode(this.id);
  }

  async clean(options: { graceMs: number }): Promise<number> {
    const graceMs = requireNonNegativeInteger('graceMs', requireObject('options', options).graceMs);
    return this.context.backend.cleanShards(this.id, this.context.clock() - graceMs);
  }

  private split(state: S, generation: number): StateBlob {
    const bytes = this.context.codec.encode(state);
    if (!(bytes instanceof Uint8Array))
      throw new ValidationError('codec', 'encode() must return a Uint8Array');
    if (bytes.byteLength > this.context.maxStateBytes) {
      throw new PayloadTooLargeError('state', bytes.byteLength, this.context.maxStateBytes);
    }
    return splitState(this.id, generation, bytes, this.context.sizes);
  }

  private async writeShards(shards: { hash: string; bytes: Uint8Array }[]): Promise<void> {
    if (shards.length === 0) return;
    await this.context.backend.writeShards(this.id, shards, this.context.clock());
    this.counters.shardsWritten += shards.length;
    for (const s of shards) this.counters.bytesWritten += s.bytes.byteLength;
  }

  /**
   * One small root read; shards only when the generation moved, and then only those this store
   * does not hold already. With a cache, the small read is the root's head where the backend
   * has one (the whole root, shard list included, only when the generation moved). A shard that
   * vanished while the generation moved means a concurrent writer and clean(): read the new root
   * and try again.
   */
  private async load(): Promise<StateBlob> {
    const { backend } = this.context;
    if (this.cache && backend.readRootHead) {
      const head = await backend.readRootHead(this.id);
      this.counters.rootReads++;
      if (!head) {
        this.cache = null;
        throw new NotFoundError(`node ${JSON.stringify(this.id)} does not exist`);
      }
      if (sameGeneration(this.cache.root, head)) return this.cache;
    }
    for (let attempt = 1; ; attempt++) {
      const root = await backend.readRoot(this.id);
      this.counters.rootReads++;
      if (!root) {
        this.cache = null;
        throw new NotFoundError(`node ${JSON.stringify(this.id)} does not exist`);
      }
      const cached = this.cache;
      if (cached && sameGeneration(cached.root, root)) return cached;
      const known = cached?.shards ?? new Map<string, Uint8Array>();
      const missing = [...new Set(root.shards)].filter((hash) => !known.has(hash));
      const fetched =
        missing.length > 0
          ? await backend.readShards(this.id, missing)
          : new Map<string, Uint8Array>();
      this.counters.shardReads += fetched.size;
      const available = new Map(known);
      for (const [hash, bytes] of fetched) available.set(hash, bytes);
      if (missing.some((hash) => !fetched.has(hash)) && attempt < 3) {
        const again = await backend.readRoot(this.id);
        this.counters.rootReads++;
        if (again && again.generation !== root.generation) continue;
      }
      this.cache = assembleState(root, available);
      return this.cache;
    }
  }
}

/** The cached state is current: same generation and same content (a re-created id restarts at 1). */
function sameGeneration(cached: NodeRootHead, stored: NodeRootHead): boolean {
  return cached.generation === stored.generation && cached.sha256 === stored.sha256;
}
