/** Uint8Array -> Node Buffer view, without copying, for ioredis arguments (replies: core's viewBytes). */

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
