/**
 * Node state as raw bytes. `bytesCodec` copies on decode, as a real codec must (run()'s modify
 * changes the state it is given). `viewCodec` decodes to a view of the cached bytes, so that the
 * cache-hit row measures the root read and not a megabyte memcpy; only used where nothing writes.
 */
import type { Codec } from '@checkpointkit/core';

export const bytesCodec: Codec<Uint8Array> = {
  encode: (state) => state,
  decode: (bytes) => bytes.slice(),
};

export const viewCodec: Codec<Uint8Array> = {
  encode: (state) => state,
  decode: (bytes) => bytes,
};
