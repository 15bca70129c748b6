/**
 * Firestore in Datastore mode's production limits, and how the adapter stays inside them. The
 * emulator enforces only some of them (it takes 1.2 MB entities, 600-entity commits and
 * 2,000-key lookups, and fails any request over 4 MiB), so the adapter checks them itself
 * before a request leaves: what passes on the emulator also passes in production.
 */
import { PayloadTooLargeError } from '@checkpointkit/core';

/** One entity, key and property names included. */
export const MAX_ENTITY_BYTES = 1_048_572;
/** Mutations in one commit. */
export const MAX_MUTATIONS_PER_COMMIT = 500;
/** Keys in one lookup. */
export const MAX_KEYS_PER_LOOKUP = 1_000;
/** One API request (the emulator fails larger ones as CANCELLED). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** An indexed string or blob property; longer ones are written with excludeFromIndexes. */
export const MAX_INDEXED_BYTES = 1_500;

/** What a request may carry in entity bytes: the rest of 4 MiB is left for framing. */
export const REQUEST_PAYLOAD_BUDGET = MAX_REQUEST_BYTES - 64 * 1024;
/**
 * The largest piece of a payload stored in one entity (operation data chunks, node shards):
 * leaves 48 KiB of the entity limit for its key and property names, and four of them fit in
 * one request.
 */
export const MAX_PIECE_BYTES = 1_000_000;
/** Entities of at most MAX_PIECE_BYTES that one request carries. */
export const PIECES_PER_REQUEST = 4;

interface KeyLike {
  readonly namespace?: string | undefined;
  readonly path: readonly (string | number)[];
}

/**
 * A conservative estimate of an entity's stored size as Firestore counts it: the key (namespace,
 * then kind and name/id of each path element) plus, per property, its name + 1 and its value
 * (strings and blobs by length + 1, numbers 8, booleans and null 1), plus 32 bytes.
 */
export function keyBytes(key: KeyLike): number {
  let bytes = 16 + Buffer.byteLength(key.namespace ?? '') + 1;
  for (const element of key.path) {
    bytes += typeof element === 'number' ? 8 : Buffer.byteLength(element) + 1;
  }
  return bytes;
}

export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Date) return 8;
  if (typeof value === 'string') return Buffer.byteLength(value) + 1;
  if (value instanceof Uint8Array) return value.byteLength + 1;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + valueBytes(v), 0);
  if (typeof value === 'object') {
    let bytes = 0;
    for (const [name, v] of Object.entries(value))
      bytes += Buffer.byteLength(name) + 1 + valueBytes(v);
    return bytes;
  }
  return 8;
}

/** `data` as the client takes it: a plain object, or `[{ name, value, excludeFromIndexes }]`. */
export function entityBytes(key: KeyLike, data: unknown): number {
  let bytes = keyBytes(key) + 32;
  if (Array.isArray(data)) {
    for (const property of data as { name: string; value: unknown }[]) {
      bytes += Buffer.byteLength(property.name) + 1 + valueBytes(property.value);
    }
  } else {
    bytes += valueBytes(data);
  }
  return bytes;
}

/** Refuses an entity over the production limit before it is sent. */
export function requireEntityFits(what: string, key: KeyLike, data: unknown): void {
  const bytes = entityBytes(key, data);
  if (bytes > MAX_ENTITY_BYTES) throw new PayloadTooLargeError(what, bytes, MAX_ENTITY_BYTES);
}

/** Splits items into runs that each fit one request: ≤ `maxCount` items and ≤ the byte budget. */
export function batches<T>(
  items: readonly T[],
  maxCount: number,
  sizeOf: (item: T) => number = () => 0,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let runBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (run.length > 0 && (run.length >= maxCount || runBytes + bytes > REQUEST_PAYLOAD_BUDGET)) {
      runs.push(run);
      run = [];
      runBytes = 0;
    }
    run.push(item);
    runBytes += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
