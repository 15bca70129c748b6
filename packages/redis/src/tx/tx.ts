/**
 * RedisTx, the adapter's transaction handle (the `Tx` of adapter.transaction, runOnce, insertIn,
 * a dataset's onCommit and Operator.commit). It does not talk to Redis: it queues the user's
 * commands, and the adapter sends them in one script together with its own guarded records
 * (tx/unit.ts). What that means for the user is in README.md, "Inside a transaction".
 */
import { BackendError, requireName, ValidationError } from '@checkpointkit/core';
import type { Guard } from './guards.js';

/** A key inside a transaction: see RedisTx.key and RedisTx.rawKey. */
export class TxKey {
  /** @internal */
  constructor(
    /** The user's parts of a colocated key, or null for a raw key. */
    readonly parts: readonly string[] | null,
    /** The raw key's name, or null for a colocated key. */
    readonly name: string | null,
  ) {}
}

/** A value argument of a queued command. */
export type TxValue = string | number | Uint8Array;
/** A key argument of the typed helpers: a TxKey, or a string taken as a raw key name. */
export type TxKeyLike = TxKey | string;

/** What every transaction of one adapter shares. */
export interface TxContext {
  /** Keys of this adapter's records and colocated user keys. */
  readonly userKey: (tag: string, parts: readonly string[]) => string;
  /** On a Cluster, every key of a unit must share one hash tag. */
  readonly isCluster: boolean;
}

/** What a transaction has collected so far; read by the adapter, never by users. */
export interface UnitState {
  readonly context: TxContext;
  /** Unique per unit: stored with its records, so that a resent unit is recognised. */
  readonly nonce: string;
  /** The hash tag colocated keys resolve under; bound by the first adapter record, if any. */
  anchor: string | null;
  readonly guards: Guard[];
  readonly commands: (readonly (TxValue | TxKey)[])[];
  finished: boolean;
}

const states = new WeakMap<object, UnitState>();

/** @internal The unit behind a RedisTx, checked to belong to `context`'s adapter. */
export function unitOf(tx: unknown, context: TxContext): UnitState {
  const state = typeof tx === 'object' && tx !== null ? states.get(tx) : undefined;
  if (!state) throw new ValidationError('tx', 'must be the RedisTx the adapter handed to you');
  if (state.context !== context)
    throw new ValidationError('tx', 'belongs to a transaction of another adapter');
  if (state.finished)
    throw new BackendError('this transaction has already ended; use the tx of the current one');
  return state;
}

/**
 * Binds the unit to the hash tag of an adapter record joining it. On a Cluster a unit lives in
 * one slot, so a second record must have the same tag.
 */
export function bindAnchor(state: UnitState, tag: string): void {
  if (state.anchor === null) {
    state.anchor = tag;
    return;
  }
  if (state.anchor !== tag && state.context.isCluster) {
    throw new ValidationError(
      'key',
      `on Redis Cluster one transaction lives in one hash slot: it is anchored at {${state.anchor}}, this record at {${tag}}`,
    );
  }
}

/**
 * The adapter's transaction handle: queues Redis commands that the adapter applies atomically
 * with its own records when the transaction commits. Nothing is sent before then: commands
 * return nothing, and a read inside the transaction cannot see its own writes (read before, or
 * after, the transaction). See README.md, "Inside a transaction".
 */
export interface RedisTx {
  /**
   * A key in the transaction's hash slot: `<keyPrefix>:{<anchor>}:user:<parts…>` (parts escaped
   * like every adapter key). On a Cluster, use these for every key the transaction writes; the
   * adapter's `colocatedKey(anchor, …parts)` gives the same key's name outside the transaction.
   */
  key(...parts: string[]): TxKey;
  /** A key used exactly as given. On a Cluster it must hash to the transaction's slot. */
  rawKey(name: string): TxKey;
  /**
   * The hash tag this transaction's keys share, once an adapter record bound it (runOnce,
   * insertIn, a dataset, a node); null for a bare adapter.transaction that has none yet.
   */
  readonly anchor: string | null;
  /**
   * Queues any command that Redis allows in a script. Pass keys as TxKey (`tx.key(…)`,
   * `tx.rawKey(…)`) so that they are declared to Redis; strings are plain values.
   */
  call(command: string, ...args: (TxValue | TxKey)[]): void;
  set(key: TxKeyLike, value: TxValue): void;
  del(...keys: TxKeyLike[]): void;
  incrby(key: TxKeyLike, increment: number): void;
  hset(key: TxKeyLike, field: string, value: TxValue): void;
  hdel(key: TxKeyLike, ...fields: string[]): void;
  sadd(key: TxKeyLike, ...members: TxValue[]): void;
  srem(key: TxKeyLike, ...members: TxValue[]): void;
  zadd(key: TxKeyLike, score: number, member: TxValue): void;
  zrem(key: TxKeyLike, ...members: TxValue[]): void;
  rpush(key: TxKeyLike, ...values: TxValue[]): void;
  pexpire(key: TxKeyLike, milliseconds: number): void;
}

/** A RedisTx over a unit: the one implementation, never handed out as a class. */
class QueuedTx implements RedisTx {
  constructor(state: UnitState) {
    states.set(this, state);
  }

  key(...parts: string[]): TxKey {
    this.open();
    if (parts.length === 0) throw new ValidationError('parts', 'must name at least one part');
    return new TxKey(
      parts.map((p, i) => requireName(`parts[${i}]`, p, 1024)),
      null,
    );
  }

  rawKey(name: string): TxKey {
    this.open();
    return new TxKey(null, requireName('name', name, 65536));
  }

  get anchor(): string | null {
    return this.open().anchor;
  }

  call(command: string, ...args: (TxValue | TxKey)[]): void {
    const state = this.open();
    if (typeof command !== 'string' || !/^[A-Za-z][A-Za-z0-9_.|-]*$/.test(command))
      throw new ValidationError('command', `${JSON.stringify(command)} is not a command name`);
    args.forEach((arg, i) => {
      if (
        !(arg instanceof TxKey) &&
        !(arg instanceof Uint8Array) &&
        typeof arg !== 'string' &&
        !(typeof arg === 'number' && Number.isFinite(arg))
      ) {
        throw new ValidationError(
          `args[${i}]`,
          'must be a string, a finite number, bytes or a TxKey',
        );
      }
    });
    state.commands.push([command, ...args]);
  }

  set(key: TxKeyLike, value: TxValue): void {
    this.call('SET', this.asKey(key), value);
  }

  del(...keys: TxKeyLike[]): void {
    this.call('DEL', ...keys.map((k) => this.asKey(k)));
  }

  incrby(key: TxKeyLike, increment: number): void {
    this.call('INCRBY', this.asKey(key), increment);
  }

  hset(key: TxKeyLike, field: string, value: TxValue): void {
    this.call('HSET', this.asKey(key), field, value);
  }

  hdel(key: TxKeyLike, ...fields: string[]): void {
    this.call('HDEL', this.asKey(key), ...fields);
  }

  sadd(key: TxKeyLike, ...members: TxValue[]): void {
    this.call('SADD', this.asKey(key), ...members);
  }

  srem(key: TxKeyLike, ...members: TxValue[]): void {
    this.call('SREM', this.asKey(key), ...members);
  }

  zadd(key: TxKeyLike, score: number, member: TxValue): void {
    this.call('ZADD', this.asKey(key), score, member);
  }

  zrem(key: TxKeyLike, ...members: TxValue[]): void {
    this.call('ZREM', this.asKey(key), ...members);
  }

  rpush(key: TxKeyLike, ...values: TxValue[]): void {
    this.call('RPUSH', this.asKey(key), ...values);
  }

  pexpire(key: TxKeyLike, milliseconds: number): void {
    this.call('PEXPIRE', this.asKey(key), milliseconds);
  }

  private asKey(key: TxKeyLike): TxKey {
    return key instanceof TxKey ? key : this.rawKey(key);
  }

  private open(): UnitState {
    const state = states.get(this) as UnitState;
    if (state.finished)
      throw new BackendError('this transaction has already ended; use the tx of the current one');
    return state;
  }
}

/** @internal A RedisTx that fills `state`. */
export function newTx(state: UnitState): RedisTx {
  return new QueuedTx(state);
}
