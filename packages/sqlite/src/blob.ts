/**
 * better-sqlite3 returns BLOBs as Node Buffers, freshly allocated per read. The contract speaks
 * Uint8Array, so reads hand out core's plain Uint8Array view of the same memory (no copy).
 */
import { viewBytes } from '@checkpointkit/core';

export function blobBytes(value: unknown): Uint8Array {
  return viewBytes(value as Uint8Array);
}

export function blobBytesOrNull(value: unknown): Uint8Array | null {
  return value === undefined || value === null ? null : blobBytes(value);
}
