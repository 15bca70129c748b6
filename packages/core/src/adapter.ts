/**
 * The Adapter interface (the contract, §0, in docs/contract.md) and `composeAdapter`, which
 * builds the whole public API once from an adapter's storage primitives. Every adapter — ours or
 * a user's — that goes through composeAdapter gets the same validation, times, errors and
 * algorithms.
 */
import type { CheckpointBackend } from './checkpoints/backend.js';
import { createCheckpointStore } from './checkpoints/store.js';
import type { CheckpointStore } from './checkpoints/types.js';
import { type Clock, systemClock } from './clock.js';
import { BackendError, ValidationError } from './errors.js';
import type { GroupBackend } from './groups/backend.js';
import { createCheckpointGroups } from './groups/group.js';
import type { CheckpointGroups } from './groups/types.js';
import type { NodeBackend } from './nodes/backend.js';
import { createNodeStores } from './nodes/store.js';
import type { NodeStoreOptions, NodeStores } from './nodes/types.js';
import type { OperationBackend } from './operations/backend.js';
import { createOperationStore } from './operations/store.js';
import type { OperationStore } from './operations/types.js';
import { type RetryPolicy, retryPolicy } from './retry.js';
import type { SessionBackend } from './sessions/backend.js';
import { createSessionStore } from './sessions/store.js';
import type { SessionStore } from './sessions/types.js';
import { requireObject, requirePositiveInteger } from './validation.js';

export interface AdapterLimits {
  /** Largest operation checkpoint payload and largest encoded node state, in bytes. */
  readonly maxPayloadBytes: number;
  /** Largest encoded runOnce/claim result kept with a checkpoint, in bytes. */
  readonly maxResultBytes: number;
}

export interface Adapter<Tx> {
  readonly name: string;
  readonly limits: AdapterLimits;
  readonly checkpoints: CheckpointStore<Tx>;
  readonly operations: OperationStore;
  readonly groups: CheckpointGroups;
  readonly sessions: SessionStore<Tx>;
  nodes<S = unknown>(options?: NodeStoreOptions<S>): NodeStores<S, Tx>;
  /** The backend's own transaction: writes through `tx` commit atomically, all or nothing. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Creates the schema; idempotent and safe to call concurrently. */
  setup(): Promise<void>;
  /** Releases what the adapter created; never closes a client it was given. */
  close(): Promise<void>;
}

/** Options every adapter factory accepts, with their defaults in one place. */
export interface CommonAdapterOptions {
  /** Epoch ms; every stored time comes from it and every expiry is checked against it. */
  readonly clock?: Clock;
  /** Default 64 MiB; every backend supports at least 16 MiB. */
  readonly maxPayloadBytes?: number;
  /** Retries of aborted backend transactions. */
  readonly retry?: Partial<RetryPolicy>;
  /** The largest encoded runOnce/claim result kept with a checkpoint; default 64 KiB, at most 512 KiB. */
  readonly maxResultBytes?: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;
/** Within every store's cell, value and entity limits, with the record around it. */
export const MAX_RESULT_BYTES_LIMIT = 512 * 1024;

export interface ResolvedAdapterOptions {
  readonly clock: Clock;
  readonly maxPayloadBytes: number;
  readonly maxResultBytes: number;
  readonly retry: RetryPolicy;
}

export function resolveAdapterOptions(options: CommonAdapterOptions = {}): ResolvedAdapterOptions {
  const opts = requireObject('options', options);
  if (opts.clock !== undefined && typeof opts.clock !== 'function')
    throw new ValidationError('clock', 'must be a function');
  const retry = retryPolicy((opts.retry as Partial<RetryPolicy> | undefined) ?? {});
  requirePositiveInteger('retry.maxAttempts', retry.maxAttempts, 1000);
  return {
    clock: (opts.clock as Clock | undefined) ?? systemClock,
    maxPayloadBytes: requirePositiveInteger(
      'maxPayloadBytes',
      opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    ),
    maxResultBytes: requirePositiveInteger(
      'maxResultBytes',
      opts.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
      MAX_RESULT_BYTES_LIMIT,
    ),
    retry,
  };
}

/** An adapter's storage primitives: what composeAdapter needs to build the public API. */
export interface AdapterBackends<Tx> {
  readonly name: string;
  readonly options: ResolvedAdapterOptions;
  readonly checkpoints: CheckpointBackend<Tx>;
  readonly operations: OperationBackend;
  readonly groups: GroupBackend;
  readonly sessions: SessionBackend<Tx>;
  readonly nodes: NodeBackend<Tx>;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  setup(): Promise<void>;
  close(): Promise<void>;
}

export function composeAdapter<Tx>(backends: AdapterBackends<Tx>): Adapter<Tx> {
  const { clock, maxPayloadBytes, maxResultBytes, retry } = backends.options;
  let closing: Promise<void> | null = null;
  const open = <B extends object>(backend: B): B =>
    refuseAfterClose(backend, backends.name, () => closing !== null);
  const nodeBackend = open(backends.nodes);
  return {
    name: backends.name,
    limits: { maxPayloadBytes, maxResultBytes },
    checkpoints: createCheckpointStore(open(backends.checkpoints), clock, maxResultBytes),
    operations: createOperationStore(open(backends.operations), clock, maxPayloadBytes),
    groups: createCheckpointGroups(open(backends.groups)),
    sessions: createSessionStore(open(backends.sessions)),
    nodes: <S>(options?: NodeStoreOptions<S>) =>
      createNodeStores<S, Tx>(nodeBackend, clock, maxPayloadBytes, retry, options),
    transaction: async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
      if (typeof work !== 'function') throw new ValidationError('work', 'must be a function');
      if (closing) throw closedError(backends.name);
      return backends.transaction(work);
    },
    setup: async () => {
      if (closing) throw closedError(backends.name);
      await backends.setup();
    },
    close: () => {
      closing ??= backends.close();
      return closing;
    },
  };
}

function closedError(name: string): BackendError {
  return new BackendError(`the ${name} adapter is closed`);
}

/**
 * Every method of `backend` rejects with a BackendError once the adapter is closed. The guarded
 * methods are made once per method, not on every call: this sits on every hot path.
 */
function refuseAfterClose<B extends object>(backend: B, name: string, closed: () => boolean): B {
  const guarded = new Map<PropertyKey, { method: unknown; guard: unknown }>();
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const known = guarded.get(property);
      if (known?.method === value) return known.guard;
      const guard = (...args: unknown[]) => {
        if (closed()) return Promise.reject(closedError(name));
        return value.apply(target, args);
      };
      guarded.set(property, { method: value, guard });
      return guard;
    },
  });
}
