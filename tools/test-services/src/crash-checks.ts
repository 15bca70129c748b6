/**
 * What must hold after each SIGKILL round of an adapter's crash test, for the checks that read
 * only through the adapter (the SQLite and Spanner crash tests share them). Each checker keeps
 * what earlier rounds acknowledged; `check` runs after a round on a fresh adapter, `done` after
 * the last round.
 *
 * Both expect the package's crash-operation worker: one operation `crash-import`, checkpoint
 * `step-<n>` carrying `payload(n)`, an `ack` { id, step, what } per acknowledged call.
 */
import type { Adapter } from '@checkpointkit/core';
import { expect } from 'vitest';
import type { KilledWorker, WorkerMessage } from './worker-process.js';

export interface CrashRound extends KilledWorker {
  readonly round: number;
}

export interface RoundChecker {
  check(adapter: Adapter<unknown>, r: CrashRound): Promise<void>;
  /** After the last round: the rules were proved on acknowledged work. */
  done(): void;
}

const OPERATION = 'crash-import';

const label = (r: CrashRound): string => `round ${r.round} (killed after ${r.delayMs} ms)`;

/** Acknowledged ids only grow: none at or below the highest acknowledged before. The new highest. */
function idsNotReused(acks: readonly WorkerMessage[], highest: number, what: string): number {
  for (const ack of acks) expect(Number(ack.id), `${what}: id reused`).toBeGreaterThan(highest);
  return Math.max(highest, ...acks.map((a) => Number(a.id)));
}

function samePayload(data: Uint8Array, expected: Uint8Array, what: string): void {
  expect(Buffer.compare(Buffer.from(data), Buffer.from(expected)), what).toBe(0);
}

/**
 * Operation checkpoints: every acknowledged checkpoint survives whole, ids stay contiguous (the
 * counter commits with its checkpoint: a killed append leaves neither) and are never reused.
 */
export function operationCheckpointRounds(payload: (step: number) => Uint8Array): RoundChecker {
  let highest = 0;
  return {
    async check(adapter, r) {
      const what = label(r);
      const op = adapter.operations.open(OPERATION);
      const ids = await op.list();
      expect(ids.map(Number), what).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
      for (const id of ids) {
        const checkpoint = await op.load(id);
        const step = Number(id) - 1;
        expect(checkpoint.label, what).toBe(`step-${step}`);
        samePayload(checkpoint.data, payload(step), what);
      }
      for (const ack of r.acks) expect(ids, what).toContain(ack.id);
      highest = idsNotReused(r.acks, highest, what);
    },
    done() {
      expect(highest, 'no round acknowledged a checkpoint').toBeGreaterThan(0);
    },
  };
}

/**
 * Compaction after every checkpoint (the worker's `compactEvery: 1`): the operation never loses
 * its latest acknowledged data, never holds more than a compaction leaves, and ids are never
 * reused.
 */
export function compactRounds(payload: (step: number) => Uint8Array): RoundChecker {
  let highest = 0;
  let lastStep = -1;
  let survivors = 0;
  return {
    async check(adapter, r) {
      const what = label(r);
      const op = adapter.operations.open(OPERATION);
      const ids = await op.list();
      if (lastStep >= 0 || r.acks.length > 0) expect(ids.length, what).toBeGreaterThan(0);
      // A worker's first compact collapses whatever the last round left; after that there are
      // two between a checkpoint and its compaction, never more. A round killed before its
      // first compact may leave one more than it found.
      const compacted = r.acks.some((a) => a.what === 'compact');
      expect(ids.length, what).toBeLessThanOrEqual(compacted ? 2 : survivors + 1);
      survivors = ids.length;
      for (const ack of r.acks) lastStep = Math.max(lastStep, ack.step as number);
      const latest = await op.latest();
      if (latest) {
        const step = Number(/(\d+)$/.exec(latest.label)?.[1]);
        expect(step, what).toBeGreaterThanOrEqual(lastStep);
        samePayload(latest.data, payload(step), what);
        expect(Number(latest.id), what).toBeGreaterThanOrEqual(highest);
      }
      highest = idsNotReused(r.acks, highest, what);
    },
    done() {
      expect(lastStep, 'no round acknowledged a checkpoint').toBeGreaterThan(0);
    },
  };
}
