/**
 * Content-defined chunking (a gear rolling hash, as in FastCDC): a shard ends where the hash of
 * the last ~32 bytes hits a mask, so an edit moves only the boundaries near it and the shards
 * elsewhere keep their content — and, being content-addressed, need not be written again.
 */
import { sha256, utf8Encode } from '../bytes.js';

/** 256 fixed pseudo-random words. Changing them changes where shards split, never correctness. */
const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const digest = sha256(utf8Encode(`checkpointkit/gear/${i}`));
    table[i] = new DataView(digest.buffer, digest.byteOffset).getUint32(0);
  }
  return table;
})();

export interface ShardSizes {
  readonly minBytes: number;
  readonly maxBytes: number;
  /** Bits of the mask: a boundary is expected every 2^maskBits bytes after minBytes. */
  readonly maskBits: number;
}

/** Shards of at most `shardBytes`, averaging about a quarter of it, never under a sixteenth. */
export function shardSizes(shardBytes: number): ShardSizes {
  const minBytes = Math.max(1, Math.floor(shardBytes / 16));
  const avgBytes = Math.max(minBytes + 1, Math.floor(shardBytes / 4));
  const maskBits = Math.min(31, Math.max(1, Math.round(Math.log2(avgBytes - minBytes))));
  return { minBytes, maxBytes: shardBytes, maskBits };
}

/** End offsets of the shards of `bytes` (ascending, the last equals bytes.length). */
export function shardBoundaries(bytes: Uint8Array, sizes: ShardSizes): number[] {
  // Test the top bits: they depend on the last 32 bytes, the low bits on far fewer.
  const mask = (((1 << sizes.maskBits) - 1) << (32 - sizes.maskBits)) >>> 0;
  const ends: number[] = [];
  const n = bytes.length;
  let start = 0;
  while (start < n) {
    const limit = Math.min(start + sizes.maxBytes, n);
    let cut = limit;
    if (n - start > sizes.minBytes) {
      let hash = 0;
      for (let i = start + sizes.minBytes; i < limit; i++) {
        hash = ((hash << 1) + (GEAR[bytes[i] as number] as number)) >>> 0;
        if ((hash & mask) === 0) {
          cut = i + 1;
          break;
        }
      }
    }
    ends.push(cut);
    start = cut;
  }
  return ends;
}
