/**
 * The twin process protocol, parent side. A target's `twinProcess.start` forks a child that
 * opens an adapter on the same store and serves this protocol (./twin.ts) over the IPC channel:
 *
 *   child  → parent  { type: 'ready' }                          once its adapter is open
 *   parent → child   { type: 'hold', id, key, ttlMs, holdMs }   see TwinProcess.holdTransaction
 *   child  → parent  { type: 'holding', id }                    inside the open transaction
 *   child  → parent  { type: 'done', id, error? }               the transaction's outcome
 */
import type { ChildProcess } from 'node:child_process';
import type { CheckpointKey } from '../checkpoints/types.js';

export interface TwinHoldRequest {
  readonly key: CheckpointKey;
  readonly ttlMs: number;
  /** How long the transaction stays open after the insert, in real time. */
  readonly holdMs: number;
}

/** How the twin's transaction ended: committed, or the error (name and message) it failed with. */
export type TwinOutcome =
  | { readonly committed: true }
  | {
      readonly committed: false;
      readonly error: { readonly name: string; readonly message: string };
    };

export type TwinMessage =
  | { readonly type: 'ready' }
  | ({ readonly type: 'hold'; readonly id: number } & TwinHoldRequest)
  | { readonly type: 'holding'; readonly id: number }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly error?: { readonly name: string; readonly message: string };
    };

export interface TwinProcess {
  /**
   * In the twin: one `adapter.transaction` that inserts `key` with `insertIn`, then stays open
   * for `holdMs` before it commits. `holding` resolves once the insert ran inside the open
   * transaction; `done` with the transaction's outcome.
   */
  holdTransaction(request: TwinHoldRequest): {
    readonly holding: Promise<void>;
    readonly done: Promise<TwinOutcome>;
  };
  kill(): Promise<void>;
}

/** Waits for the twin's `ready`, then speaks the protocol over its IPC channel. */
export async function connectTwin(child: ChildProcess): Promise<TwinProcess> {
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`the twin process exited (${code ?? signal})`));
  });
  const listeners = new Set<(message: TwinMessage) => void>();
  child.on('message', (raw) => {
    for (const listener of [...listeners]) listener(raw as TwinMessage);
  });
  const next = (accept: (m: TwinMessage) => boolean): Promise<TwinMessage> =>
    Promise.race([
      new Promise<TwinMessage>((resolve) => {
        const listener = (m: TwinMessage): void => {
          if (!accept(m)) return;
          listeners.delete(listener);
          resolve(m);
        };
        listeners.add(listener);
      }),
      exited.then((why) => Promise.reject(new Error(why))),
    ]);
  await next((m) => m.type === 'ready');
  let ids = 0;
  return {
    holdTransaction(request) {
      const id = ++ids;
      const holding = next((m) => m.type === 'holding' && m.id === id).then(() => undefined);
      const done = next((m) => m.type === 'done' && m.id === id).then(
        (m): TwinOutcome =>
          m.type === 'done' && m.error ? { committed: false, error: m.error } : { committed: true },
      );
      // Callers often await only one of the two.
      holding.catch(() => {});
      done.catch(() => {});
      child.send({ type: 'hold', id, ...request } satisfies TwinMessage);
      return { holding, done };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await exited;
    },
  };
}
