/**
 * Hybrid logical clock timestamps, as resolved-timestamp streams (CockroachDB changefeeds, CDC)
 * carry them: wall nanoseconds, then a logical counter. Ordered by nanos, then logical.
 */
import { ValidationError } from './errors.js';
import { describe } from './validation.js';

export interface Hlc {
  readonly nanos: bigint;
  readonly logical: number;
}

/** Half-open [min, max). */
export interface HlcRange {
  readonly min: Hlc;
  readonly max: Hlc;
}

export const MAX_HLC_NANOS = 2n ** 63n - 1n;
export const MAX_HLC_LOGICAL = 2 ** 31 - 1;

export function hlc(nanos: bigint | number, logical = 0): Hlc {
  return requireHlc('hlc', { nanos: typeof nanos === 'number' ? BigInt(nanos) : nanos, logical });
}

/** The timestamp every partition starts from: `ensure` records it as applied. */
export const HLC_ORIGIN: Hlc = Object.freeze({ nanos: 0n, logical: 0 });

export function compareHlc(a: Hlc, b: Hlc): -1 | 0 | 1 {
  if (a.nanos !== b.nanos) return a.nanos < b.nanos ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return 0;
}

/** a < b */
export function before(a: Hlc, b: Hlc): boolean {
  return compareHlc(a, b) < 0;
}

export function hlcEqual(a: Hlc, b: Hlc): boolean {
  return compareHlc(a, b) === 0;
}

export function minHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) <= 0 ? a : b;
}

export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

/** The smallest timestamp after `t`. */
export function next(t: Hlc): Hlc {
  if (t.logical < MAX_HLC_LOGICAL) return { nanos: t.nanos, logical: t.logical + 1 };
  return { nanos: t.nanos + 1n, logical: 0 };
}

/** "%d.%010d", the replicator's text form. */
export function formatHlc(t: Hlc): string {
  return `${t.nanos}.${String(t.logical).padStart(10, '0')}`;
}

export function parseHlc(text: string): Hlc {
  const match = typeof text === 'string' ? /^(\d{1,19})\.(\d{10})$/.exec(text) : null;
  if (!match)
    throw new ValidationError('hlc', `${describe(text)} is not "<nanos>.<10-digit logical>"`);
  return requireHlc('hlc', { nanos: BigInt(match[1] as string), logical: Number(match[2]) });
}

/** [a, next(b)): the range that includes both ends. */
export function rangeIncluding(a: Hlc, b: Hlc): HlcRange {
  return { min: a, max: next(b) };
}

export function isEmpty(range: HlcRange): boolean {
  return compareHlc(range.min, range.max) >= 0;
}

export function rangeEqual(a: HlcRange, b: HlcRange): boolean {
  return hlcEqual(a.min, b.min) && hlcEqual(a.max, b.max);
}

/**
 * A fixed-width string (20 + 10 digits) whose byte order is the timestamps' order: for sorted
 * storage that compares strings (SQL text keys, Redis ZRANGEBYLEX, Datastore key names).
 */
export function hlcSortKey(t: Hlc): string {
  return `${t.nanos.toString().padStart(20, '0')}${String(t.logical).padStart(10, '0')}`;
}

export function hlcFromSortKey(key: string): Hlc {
  if (!/^\d{30}$/.test(key))
    throw new ValidationError('hlc sort key', `${describe(key)} is not 30 digits`);
  return { nanos: BigInt(key.slice(0, 20)), logical: Number(key.slice(20)) };
}

export function requireHlc(field: string, value: unknown): Hlc {
  if (typeof value !== 'object' || value === null)
    throw new ValidationError(field, `must be an Hlc, got ${describe(value)}`);
  const { nanos, logical } = value as { nanos?: unknown; logical?: unknown };
  if (typeof nanos !== 'bigint' || nanos < 0n || nanos > MAX_HLC_NANOS) {
    throw new ValidationError(
      `${field}.nanos`,
      `must be a bigint in [0, 2^63), got ${describe(nanos)}`,
    );
  }
  if (
    typeof logical !== 'number' ||
    !Number.isInteger(logical) ||
    logical < 0 ||
    logical > MAX_HLC_LOGICAL
  ) {
    throw new ValidationError(
      `${field}.logical`,
      `must be an integer in [0, 2^31), got ${describe(logical)}`,
    );
  }
  return { nanos, logical };
}

export function requireHlcRange(field: string, value: unknown): HlcRange {
  if (typeof value !== 'object' || value === null)
    throw new ValidationError(field, `must be an HlcRange, got ${describe(value)}`);
  const { min, max } = value as { min?: unknown; max?: unknown };
  return { min: requireHlc(`${field}.min`, min), max: requireHlc(`${field}.max`, max) };
}
