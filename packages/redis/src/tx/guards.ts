/**
 * The adapter records a transaction unit carries, each behind a guard that commit-unit checks
 * before anything is written (see its header in lua/commit-unit.ts for the encoding).
 */
import type { CheckpointRecord, DatasetChange, DatasetMarker, NodeRoot } from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';
import type { ScriptArg } from '../scripts.js';

/** Insert the record unless a record live at `nowMs` exists. */
export interface CheckpointGuard {
  readonly kind: 'checkpoint';
  readonly records: string;
  readonly index: string;
  readonly record: CheckpointRecord;
  /** The record as stored (record.ts), carrying the unit's nonce. */
  readonly value: string;
  /** Its extras (result, fingerprint; record.ts), '' for none. */
  readonly extras: string | Buffer;
  readonly nowMs: number;
  readonly gcTtlMs: number;
  /** runOnce's own record: a live one is an outcome (ran: false), not an error. */
  readonly own: boolean;
}

/** Store the node's root if its generation is `expected` (null: no root); re-stamp `retired`. */
export interface RootGuard {
  readonly kind: 'root';
  readonly root: string;
  readonly stamps: string;
  readonly expected: number | null;
  readonly next: NodeRoot;
  readonly retired: readonly string[];
  readonly nowMs: number;
}

/** Apply a dataset's changes and marker if the marker still holds `expected` (null: none). */
export interface MarkerGuard {
  readonly kind: 'marker';
  readonly marker: string;
  readonly rows: string;
  readonly expected: Uint8Array | null;
  readonly next: DatasetMarker;
  readonly changes: readonly DatasetChange[];
}

export type Guard = CheckpointGuard | RootGuard | MarkerGuard;

/** The keys a guard touches, in the order its encoding refers to them. */
export function guardKeys(guard: Guard): string[] {
  switch (guard.kind) {
    case 'checkpoint':
      return [guard.records, guard.index];
    case 'root':
      return [guard.root, guard.stamps];
    case 'marker':
      return [guard.marker, guard.rows];
  }
}

export function encodeGuard(guard: Guard, position: (key: string) => number): ScriptArg[] {
  switch (guard.kind) {
    case 'checkpoint':
      return [
        'checkpoint',
        position(guard.records),
        position(guard.index),
        guard.record.key.uniquifier,
        guard.nowMs,
        guard.value,
        guard.gcTtlMs,
        guard.extras,
      ];
    case 'root':
      return [
        'root',
        position(guard.root),
        position(guard.stamps),
        guard.expected === null ? '' : String(guard.expected),
        guard.nowMs,
        guard.next.generation,
        guard.next.shards.join(''),
        guard.next.byteLength,
        guard.next.sha256,
        guard.retired.length,
        ...guard.retired,
      ];
    case 'marker':
      return [
        'marker',
        position(guard.marker),
        position(guard.rows),
        guard.expected === null ? '0' : '1',
        guard.expected === null ? '' : asBuffer(guard.expected),
        asBuffer(guard.next.key),
        asBuffer(guard.next.id),
        guard.changes.length,
        ...guard.changes.flatMap((c): ScriptArg[] =>
          c.value === null ? [c.key, '0', ''] : [c.key, '1', asBuffer(c.value)],
        ),
      ];
  }
}
