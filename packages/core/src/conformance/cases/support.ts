/** Helpers the conformance cases share. */
import { expect } from 'vitest';
import type { Adapter } from '../../adapter.js';
import type { CheckpointKey } from '../../checkpoints/types.js';
import { CheckpointKitError, ValidationError } from '../../errors.js';
import type { CaseContext, ConformanceCase } from '../harness.js';

export type Ctx = CaseContext<unknown>;
export type AnyAdapter = Adapter<unknown>;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const MIB = 1024 * 1024;

export function cases(list: ConformanceCase[]): ConformanceCase[] {
  return list;
}

/** Awaits `work` and asserts it failed with `type` (and, for ValidationError, naming `field`). */
export async function expectError<E extends Error>(
  work: (() => unknown) | Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  field?: string,
): Promise<E> {
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e;
  }
  if (error === undefined) expect.fail(`expected ${type.name}, but the call succeeded`);
  if (!(error instanceof type)) {
    expect.fail(
      `expected ${type.name}, got ${(error as Error)?.name}: ${(error as Error)?.message}`,
    );
  }
  expect(error).toBeInstanceOf(CheckpointKitError);
  if (field !== undefined) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as unknown as ValidationError).field).toBe(field);
  }
  return error as E;
}

export function key(overrides: Partial<CheckpointKey> = {}): CheckpointKey {
  return {
    project: 'proj',
    resourceId: 'inv-1',
    processId: 'ingest/results',
    uniquifier: '',
    ...overrides,
  };
}

/** Deterministic pseudo-random bytes (not compressible, not repetitive). */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function text(value: Uint8Array | null): string | null {
  return value === null ? null : Buffer.from(value).toString('utf8');
}

export function utf8(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** Runs `count` tasks at once. */
export function parallel<T>(count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => task(i)));
}

/** `count` adapters on one store: the first fresh, the others reopened on it. */
export async function processes(ctx: Ctx, count: number): Promise<AnyAdapter[]> {
  const first = await ctx.adapter();
  const others = await Promise.all(Array.from({ length: count - 1 }, () => ctx.reopen(first)));
  return [first, ...others];
}

/** Polls `condition` (real time) until it holds or `timeoutMs` passes. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) expect.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise that never settles: an abandoned call, as a process killed at that point. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
