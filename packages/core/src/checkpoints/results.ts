/**
 * Idempotent results (the contract, §1, in docs/contract.md): the first run's result kept with
 * the checkpoint, encoded by the caller's codec and bounded, and the request fingerprint kept as
 * its sha256, checked on replay.
 */
import { sha256Hex, utf8Encode } from '../bytes.js';
import { IdempotencyKeyMismatchError, PayloadTooLargeError, ValidationError } from '../errors.js';
import { jsonCodec } from '../nodes/codec.js';
import type { Codec } from '../nodes/types.js';
import type { CheckpointRecord } from './backend.js';
import type { NormalizedCheckpointKey } from './types.js';

/**
 * The identity codec: the result is a Uint8Array, stored as is. Copies both ways, so that
 * neither the caller nor a store that keeps objects (the memory adapter) sees the other's changes.
 */
export const bytesCodec: Codec<Uint8Array> = {
  encode(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array)) {
      throw new ValidationError('result', "is not a Uint8Array (the 'bytes' codec)");
    }
    return value.slice();
  },
  decode: (bytes: Uint8Array): Uint8Array => bytes.slice(),
};

/** The codec an option names, or null when results are not kept. */
export function resultCodec<T>(option: unknown): Codec<T> | null {
  if (option === undefined) return null;
  if (option === 'json') return jsonCodec<T>();
  if (option === 'bytes') return bytesCodec as unknown as Codec<T>;
  const codec = option as Partial<Codec<T>> | null;
  if (typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new ValidationError('result', "must be 'json', 'bytes' or a codec { encode, decode }");
  }
  return codec as Codec<T>;
}

/** Encodes a result, refusing one larger than `maxResultBytes` before anything is written. */
export function encodeResult<T>(codec: Codec<T>, value: T, maxResultBytes: number): Uint8Array {
  const bytes = codec.encode(value);
  if (!(bytes instanceof Uint8Array)) {
    throw new ValidationError('result', 'the codec must encode to a Uint8Array');
  }
  if (bytes.byteLength > maxResultBytes) {
    throw new PayloadTooLargeError('result', bytes.byteLength, maxResultBytes);
  }
  return bytes;
}

export function decodeResult<T>(codec: Codec<T> | null, record: CheckpointRecord): T | undefined {
  return codec === null || record.result === undefined ? undefined : codec.decode(record.result);
}

/** The stored form of a fingerprint option: hex sha256, or undefined when none was given. */
export function fingerprintHash(option: unknown): string | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'string') return sha256Hex(utf8Encode(option));
  if (option instanceof Uint8Array) return sha256Hex(option);
  throw new ValidationError('fingerprint', 'must be a string or a Uint8Array');
}

/** A replay must carry the stored fingerprint; records stored without one are not checked. */
export function checkFingerprint(live: CheckpointRecord, requested: string | undefined): void {
  if (requested === undefined || live.fingerprint === undefined) return;
  if (live.fingerprint === requested) return;
  throw new IdempotencyKeyMismatchError({
    checkpoint: describeKey(live.key),
    storedFingerprint: live.fingerprint,
    requestedFingerprint: requested,
  });
}

export function describeKey(k: NormalizedCheckpointKey): string {
  return `${k.project}/${JSON.stringify(k.resourceId)}/${k.processId}/${JSON.stringify(k.uniquifier)}`;
}

/** Adds the optional fields only when present, so records without them stay as they were. */
export function withIdempotency(
  record: CheckpointRecord,
  fields: { readonly result?: Uint8Array; readonly fingerprint?: string | undefined },
): CheckpointRecord {
  return {
    ...record,
    ...(fields.fingerprint !== undefined ? { fingerprint: fields.fingerprint } : {}),
    ...(fields.result !== undefined ? { result: fields.result } : {}),
  };
}
