/**
 * Committing a transaction unit: a RedisTx's queued commands plus the adapter's guarded records,
 * sent as one commit-unit script (lua/commit-unit.ts) — one round trip, one hash slot.
 */
import { alreadyExists, BackendError, type RetryPolicy, retryAborted } from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';
import { decodeRecordValue, recordNonce } from '../checkpoints/record.js';
import type { RedisClient } from '../connection.js';
import { redisCall } from '../errors.js';
import type { WriteJournal } from '../journal.js';
import { BARE_TRANSACTION_TAG } from '../key-layout.js';
import { commitUnit, commitUnitJournaled } from '../lua/commit-unit.js';
import { newNonce } from '../nonce.js';
import type { ScriptArg } from '../scripts.js';
import {
  type CheckpointGuard,
  encodeGuard,
  type Guard,
  guardKeys,
  type MarkerGuard,
  type RootGuard,
} from './guards.js';
import { newTx, type RedisTx, type TxContext, TxKey, type TxValue, type UnitState } from './tx.js';

export type UnitOutcome =
  /** Applied now, or by an earlier send of the same unit whose reply was lost. */
  | { readonly kind: 'applied' }
  /** runOnce's own record found live: nothing written. */
  | { readonly kind: 'live'; readonly guard: CheckpointGuard; readonly value: string }
  /** The node's root moved on: nothing written. */
  | { readonly kind: 'generation'; readonly guard: RootGuard; readonly actual: number | null }
  /** The dataset's marker changed since the adapter read it: nothing written. */
  | { readonly kind: 'marker'; readonly guard: MarkerGuard };

export class Units {
  constructor(
    readonly context: TxContext,
    private readonly client: RedisClient,
    private readonly journal: WriteJournal,
  ) {}

  /** A new unit (and the RedisTx that fills it), anchored at `anchor` if it is known. */
  open(anchor: string | null): { state: UnitState; tx: RedisTx } {
    const state: UnitState = {
      context: this.context,
      nonce: newNonce(),
      anchor,
      guards: [],
      commands: [],
      finished: false,
    };
    return { state, tx: newTx(state) };
  }

  /**
   * adapter.transaction: runs `work` on a fresh unit and commits it. Aborted units (BUSY) run
   * again from the start, `work` included.
   */
  transaction<T>(work: (tx: RedisTx) => Promise<T>, retry: RetryPolicy): Promise<T> {
    return retryAborted('transaction', retry, async () => {
      const { state, tx } = this.open(null);
      let value: T;
      try {
        value = await work(tx);
      } catch (error) {
        this.abandon(state);
        throw error;
      }
      // A bare unit carries insertIn guards only, and commit throws for those.
      await this.commit(state);
      return value;
    });
  }

  /** Ends the unit without sending it (its work threw). */
  abandon(state: UnitState): void {
    state.finished = true;
  }

  /**
   * Sends the unit. A live record behind an insertIn guard fails the whole unit with core's
   * AlreadyExistsError; the other outcomes are the caller's to interpret.
   */
  async commit(state: UnitState): Promise<UnitOutcome> {
    state.finished = true;
    if (state.guards.length === 0 && state.commands.length === 0) return { kind: 'applied' };
    const tag = state.anchor ?? BARE_TRANSACTION_TAG;
    const keys: string[] = [];
    const positions = new Map<string, number>();
    const position = (key: string): number => {
      let at = positions.get(key);
      if (at === undefined) {
        keys.push(key);
        at = keys.length;
        positions.set(key, at);
      }
      return at;
    };
    for (const guard of state.guards) for (const key of guardKeys(guard)) position(key);
    const args: ScriptArg[] = [state.nonce, state.guards.length];
    for (const guard of state.guards) args.push(...encodeGuard(guard, position));
    args.push(state.commands.length);
    for (const command of state.commands) {
      let mask = '';
      const encoded: ScriptArg[] = [];
      for (const arg of command) {
        if (arg instanceof TxKey) {
          mask += 'k';
          encoded.push(
            position(arg.parts ? this.context.userKey(tag, arg.parts) : (arg.name as string)),
          );
        } else {
          mask += 'v';
          encoded.push(valueArg(arg));
        }
      }
      args.push(command.length, mask, ...encoded);
    }
    const checkpoints = state.guards.filter((g): g is CheckpointGuard => g.kind === 'checkpoint');
    const own = checkpoints.find((g) => g.own) ?? checkpoints[0];
    if (!own) {
      const reply = await this.journal.write(commitUnitJournaled, tag, keys, args);
      return this.outcome(state.guards, reply as [string, ...unknown[]]);
    }
    // Keyed: the checkpoint record carries the unit's nonce; after a lost reply it says whether
    // the unit (all or nothing) was applied.
    const reply = await this.journal.writeKeyed(
      commitUnit,
      this.journal.keyed(tag, state.nonce),
      keys,
      args,
      {
        applied: async () => {
          const stored = await redisCall('commit-unit read-back', () =>
            this.client.hget(own.records, own.record.key.uniquifier),
          );
          return stored !== null && recordNonce(stored) === state.nonce;
        },
        onApplied: () => ['done'],
      },
    );
    return this.outcome(state.guards, reply as [string, ...unknown[]]);
  }

  private outcome(guards: readonly Guard[], reply: [string, ...unknown[]]): UnitOutcome {
    const [kind, index, detail] = reply;
    if (kind === 'ok' || kind === 'done') return { kind: 'applied' };
    const guard = guards[Number(index) - 1];
    if (kind === 'live' && guard?.kind === 'checkpoint') {
      if (!guard.own) throw alreadyExists(decodeRecordValue(guard.record.key, String(detail)));
      return { kind: 'live', guard, value: String(detail) };
    }
    if (kind === 'generation' && guard?.kind === 'root') {
      return { kind: 'generation', guard, actual: detail === '' ? null : Number(detail) };
    }
    if (kind === 'marker' && guard?.kind === 'marker') return { kind: 'marker', guard };
    throw new BackendError(`commit-unit: unexpected reply ${JSON.stringify(reply)}`);
  }
}

function valueArg(value: TxValue): ScriptArg {
  if (value instanceof Uint8Array) return asBuffer(value);
  return typeof value === 'number' ? String(value) : value;
}
