/**
 * better-sqlite3 returns BLOBs as Node Buffers, freshly allocated per read. The contract speaks
 * Uint8Array, and a Buffer's different toString/equals/JSON would leak through `toEqual` and
 * friends, so reads hand out a plain Uint8Array view of the same memory (no copy).
 */
export function blobBytes(value: unknown): Uint8Array {
  const bytes = value as Uint8Array;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function blobBytesOrNull(value: unknown): Uint8Array | null {
  return value === undefined || value === null ? null : blobBytes(value);
}
