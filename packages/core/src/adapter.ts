/**
 * The Adapter interface (the contract, §0, in docs/contract.md) and `composeAdapter`, which
 * builds the whole public API once from an adapter's storage primitives. Every adapter — ours or
 * a user's — that goes through composeAdapter gets the same validation, times, errors, retries
 * and algorithms. An adapter may be built with only some primitives: the others throw
 * NotImplementedError when used.
 */
import type { CheckpointBackend } from './checkpoints/backend.js';
import { createCheckpointStore } from './checkpoints/store.js';
import type { CheckpointStore } from './checkpoints/types.js';
import { type Clock, systemClock } from './clock.js';
import { BackendError, NotImplementedError, ValidationError } from './errors.js';
import type { GroupBackend } from './groups/backend.js';
import { createCheckpointGroups } from './groups/group.js';
import type { CheckpointGroups } from './groups/types.js';
import type { NodeBackend } from './nodes/backend.js';
import { createNodeStores } from './nodes/store.js';
import type { NodeStoreOptions, NodeStores } from './nodes/types.js';
import type { OperationBackend } from './operations/backend.js';
import { createOperationStore } from './operations/store.js';
import type { OperationStore } from './operations/types.js';
import { PRIMITIVES, type Primitive } from './primitives.js';
import { afterAbortedAttempt, type RetryPolicy, retryAborted, retryPolicy } from './retry.js';
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
  /**
   * The primitives this adapter implements, in PRIMITIVES order. The others are there too, but
   * every method of theirs throws NotImplementedError.
   */
  readonly primitives: readonly Primitive[];
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

/**
 * An adapter's storage primitives: what composeAdapter needs to build the public API. Give the
 * primitives your store implements and leave the others out: the adapter then lists only those in
 * `primitives`, and every method of a missing one throws NotImplementedError. `transaction`,
 * `setup` and `close` are always needed.
 *
 * What composeAdapter does for every backend, so that a backend need not:
 * - **Closed adapters.** Once `close()` was called, every backend method call is rejected with
 *   BackendError before it reaches the backend; `close()` itself is called once, however often the
 *   user calls it. A backend need not refuse calls after close.
 * - **Aborted transactions.** A backend method (and `transaction`) that throws
 *   TransactionAbortedError is called again, with the same arguments, with backoff (the `retry`
 *   policy), and ConflictError replaces it once the attempts run out. Throw it only when the store
 *   aborted the step having written nothing; a callback the step runs (`work`, `onCommit`) then
 *   runs again. A backend that retries by itself (with `retryAborted`) surfaces ConflictError and
 *   is not retried twice. `CheckpointBackend.insertIn` is the exception: it runs inside the
 *   caller's transaction, whose retry covers it.
 */
export interface AdapterBackends<Tx> {
  readonly name: string;
  readonly options: ResolvedAdapterOptions;
  readonly checkpoints?: CheckpointBackend<Tx>;
  readonly operations?: OperationBackend;
  readonly groups?: GroupBackend;
  readonly sessions?: SessionBackend<Tx>;
  readonly nodes?: NodeBackend<Tx>;
  /** The store's own transaction: writes through `tx` commit atomically, all or nothing. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  setup(): Promise<void>;
  close(): Promise<void>;
}

export function composeAdapter<Tx>(backends: AdapterBackends<Tx>): Adapter<Tx> {
  const { name, options } = backends;
  const { clock, maxPayloadBytes, maxResultBytes, retry } = options;
  let closing: Promise<void> | null = null;
  const isClosed = (): boolean => closing !== null;
  const open = <B extends object>(backend: B): B =>
    guardBackend(backend, { name, retry, closed: isClosed });
  const primitives = Object.freeze(PRIMITIVES.filter((p) => backends[p] !== undefined));
  const { checkpoints, operations, groups, sessions, nodes } = backends;
  const nodeBackend = nodes && open(nodes);
  return {
    name,
    primitives,
    limits: { maxPayloadBytes, maxResultBytes },
    checkpoints: checkpoints
      ? createCheckpointStore(open(checkpoints), clock, maxResultBytes)
      : notImplemented(name, 'checkpoints'),
    operations: operations
      ? createOperationStore(open(operations), clock, maxPayloadBytes)
      : notImplemented(name, 'operations'),
    groups: groups ? createCheckpointGroups(open(groups)) : notImplemented(name, 'groups'),
    sessions: sessions ? createSessionStore(open(sessions)) : notImplemented(name, 'sessions'),
    nodes: <S>(nodeOptions?: NodeStoreOptions<S>) => {
      if (!nodeBackend) throw new NotImplementedError(name, 'nodes');
      return createNodeStores<S, Tx>(nodeBackend, clock, maxPayloadBytes, retry, nodeOptions);
    },
    transaction: async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
      if (typeof work !== 'function') throw new ValidationError('work', 'must be a function');
      return retryAborted('transaction', retry, () => {
        if (closing) throw closedError(name);
        return backends.transaction(work);
      });
    },
    setup: async () => {
      if (closing) throw closedError(name);
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

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** Backend methods that run inside the caller's transaction: its retry covers them. */
const IN_CALLERS_TRANSACTION: ReadonlySet<PropertyKey> = new Set(['insertIn']);

/**
 * Every method of `backend` rejects with a BackendError once the adapter is closed, and is called
 * again on TransactionAbortedError (see AdapterBackends). The guarded methods are made once per
 * method, not on every call: this sits on every hot path.
 */
function guardBackend<B extends object>(
  backend: B,
  adapter: { readonly name: string; readonly retry: RetryPolicy; readonly closed: () => boolean },
): B {
  const guarded = new Map<PropertyKey, { method: unknown; guard: unknown }>();
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const known = guarded.get(property);
      if (known?.method === value) return known.guard;
      const call = (args: unknown[]): unknown => {
        if (adapter.closed()) return Promise.reject(closedError(adapter.name));
        return value.apply(target, args);
      };
      const label = `${adapter.name} ${String(property)}`;
      // The first attempt is a plain call (this sits on every hot path): only an abort brings in
      // the retry loop, for the policy's remaining attempts.
      const retried = async (args: unknown[], error: unknown): Promise<unknown> => {
        await afterAbortedAttempt(label, adapter.retry, 1, error);
        return retryAborted(label, adapter.retry, async () => call(args), 2);
      };
      const guard = IN_CALLERS_TRANSACTION.has(property)
        ? (...args: unknown[]) => call(args)
        : (...args: unknown[]) => {
            let result: unknown;
            try {
              result = call(args);
            } catch (error) {
              return retried(args, error);
            }
            return isPromiseLike(result)
              ? result.then(undefined, (error: unknown) => retried(args, error))
              : result;
          };
      guarded.set(property, { method: value, guard });
      return guard;
    },
  });
}

/**
 * The store of a primitive the adapter was built without: every method throws
 * NotImplementedError when called, naming the primitive. Symbols, `then` and `toJSON` are absent,
 * so the object can still be inspected, logged and awaited.
 */
function notImplemented<S extends object>(adapter: string, primitive: Primitive): S {
  const fail = (): never => {
    throw new NotImplementedError(adapter, primitive);
  };
  return new Proxy({} as S, {
    get(_target, property) {
      if (typeof property === 'symbol' || property === 'then' || property === 'toJSON') {
        return undefined;
      }
      return fail;
    },
  });
}
