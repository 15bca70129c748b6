// Node-state machinery: content-defined shard boundaries and reassembly checks.
import { describe, expect, it } from 'vitest';
import {
  assembleState,
  CorruptStateError,
  shardBoundaries,
  shardSizes,
  splitState,
} from '../src/index.js';

function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('shardBoundaries', () => {
  const sizes = shardSizes(64 * 1024);

  it('covers the input exactly, every shard within [min, max] except the last', () => {
    const data = noise(1024 * 1024, 1);
    const ends = shardBoundaries(data, sizes);
    expect(ends.at(-1)).toBe(data.length);
    let start = 0;
    ends.forEach((end, i) => {
      const size = end - start;
      expect(size).toBeLessThanOrEqual(sizes.maxBytes);
      if (i < ends.length - 1) expect(size).toBeGreaterThan(sizes.minBytes);
      start = end;
    });
    const average = data.length / ends.length;
    expect(average).toBeGreaterThan(sizes.maxBytes / 8);
    expect(average).toBeLessThan(sizes.maxBytes / 2);
  });

  it('is deterministic and local: an insertion changes only the boundaries near it', () => {
    const data = noise(1024 * 1024, 2);
    const edited = new Uint8Array(data.length + 5);
    edited.set(data.subarray(0, 500_000));
    edited.set([1, 2, 3, 4, 5], 500_000);
    edited.set(data.subarray(500_000), 500_005);
    const a = new Set(splitState('n', 1, data, sizes).root.shards);
    const b = splitState('n', 1, edited, sizes).root.shards;
    const changed = b.filter((h) => !a.has(h));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(shardBoundaries(data, sizes)).toEqual(shardBoundaries(data, sizes));
  });

  it('handles empty and tiny inputs', () => {
    expect(shardBoundaries(new Uint8Array(0), sizes)).toEqual([]);
    expect(shardBoundaries(new Uint8Array(10), sizes)).toEqual([10]);
  });
});

describe('assembleState', () => {
  const blob = splitState('n', 3, noise(200_000, 3), shardSizes(16 * 1024));

  it('reassembles what splitState produced', () => {
    const back = assembleState(blob.root, blob.shards);
    expect(Buffer.compare(Buffer.from(back.bytes), Buffer.from(blob.bytes))).toBe(0);
  });

  it('CorruptStateError on a missing shard, a wrong length or a wrong checksum', () => {
    const missing = new Map(blob.shards);
    missing.delete(blob.root.shards[1] as string);
    expect(() => assembleState(blob.root, missing)).toThrow(CorruptStateError);
    expect(() =>
      assembleState({ ...blob.root, byteLength: blob.root.byteLength + 1 }, blob.shards),
    ).toThrow(/bytes, the root says/);
    const flipped = new Map(blob.shards);
    const first = blob.root.shards[0] as string;
    const bad = new Uint8Array(flipped.get(first) as Uint8Array);
    bad[0] = (bad[0] as number) ^ 1;
    flipped.set(first, bad);
    expect(() => assembleState(blob.root, flipped)).toThrow(/checksum/);
  });
});
