/** Encoded state ⇄ content-addressed shards, with the length and checksum check on reassembly. */
import { concatBytes, sha256Hex } from '../bytes.js';
import { CorruptStateError } from '../errors.js';
import type { NodeRoot, ShardWrite } from './backend.js';
import { type ShardSizes, shardBoundaries } from './shard-boundaries.js';

/** A generation in memory: its root, its bytes, and its shards by hash as views into the bytes. */
export interface StateBlob {
  readonly root: NodeRoot;
  readonly bytes: Uint8Array;
  readonly shards: ReadonlyMap<string, Uint8Array>;
}

export function splitState(
  id: string,
  generation: number,
  bytes: Uint8Array,
  sizes: ShardSizes,
): StateBlob {
  const hashes: string[] = [];
  const shards = new Map<string, Uint8Array>();
  let start = 0;
  for (const end of shardBoundaries(bytes, sizes)) {
    const shard = bytes.subarray(start, end);
    const hash = sha256Hex(shard);
    hashes.push(hash);
    shards.set(hash, shard);
    start = end;
  }
  const root = {
    id,
    generation,
    shards: hashes,
    byteLength: bytes.byteLength,
    sha256: sha256Hex(bytes),
  };
  return { root, bytes, shards };
}

/** The shards of `next` that `previous` does not already hold. */
export function newShards(
  next: StateBlob,
  previous: ReadonlyMap<string, Uint8Array>,
): ShardWrite[] {
  return [...next.shards]
    .filter(([hash]) => !previous.has(hash))
    .map(([hash, bytes]) => ({ hash, bytes }));
}

/** Reassembles a generation from its shards; CorruptStateError if one is missing or the whole fails its checks. */
export function assembleState(
  root: NodeRoot,
  available: ReadonlyMap<string, Uint8Array>,
): StateBlob {
  const where = `node ${JSON.stringify(root.id)} generation ${root.generation}`;
  const parts = root.shards.map((hash) => {
    const shard = available.get(hash);
    if (!shard) throw new CorruptStateError(`${where}: shard ${hash} is missing`);
    return shard;
  });
  const bytes = concatBytes(parts);
  if (bytes.byteLength !== root.byteLength) {
    throw new CorruptStateError(
      `${where}: ${bytes.byteLength} bytes, the root says ${root.byteLength}`,
    );
  }
  const digest = sha256Hex(bytes);
  if (digest !== root.sha256)
    throw new CorruptStateError(`${where}: checksum ${digest}, the root says ${root.sha256}`);
  const shards = new Map<string, Uint8Array>();
  let offset = 0;
  root.shards.forEach((hash, i) => {
    const length = (parts[i] as Uint8Array).byteLength;
    if (!shards.has(hash)) shards.set(hash, bytes.subarray(offset, offset + length));
    offset += length;
  });
  return { root, bytes, shards };
}
