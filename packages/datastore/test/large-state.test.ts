/**
 * Large values against the production limits, counted per request on the wire (not what the
 * emulator lets through): a 64 MiB node state and a 16 MiB operation checkpoint round-trip with
 * every commit ≤ 500 mutations and ≤ 4 MiB, every lookup ≤ 1,000 keys and ≤ 4 MiB, and every
 * entity ≤ 1,048,572 bytes; and a 1-byte edit of the 64 MiB state rewrites ≤ 2% of its bytes.
 */
import type { Codec } from '@checkpointkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatastoreAdapter,
  type DatastoreAdapter,
  MAX_ENTITY_BYTES,
  MAX_KEYS_PER_LOOKUP,
  MAX_MUTATIONS_PER_COMMIT,
  MAX_REQUEST_BYTES,
} from '../src/index.js';
import { deleteNamespace, newClient, uniqueNamespace } from './support/clients.js';
import { type MeteredRequest, meterRequests } from './support/request-meter.js';

const MiB = 1024 * 1024;
const rawCodec: Codec<Uint8Array> = { encode: (s) => s, decode: (b) => b };

/** Deterministic bytes that do not repeat (a repeating pattern would share shards by content). */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function expectWithinProductionLimits(requests: readonly MeteredRequest[]): void {
  expect(requests.length, 'the meter saw the requests').toBeGreaterThan(0);
  for (const [i, r] of requests.entries()) {
    const where = `request ${i} (${r.method}, ${r.bytes} bytes)`;
    expect(r.bytes, `${where}: a request is at most 4 MiB`).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(r.mutations, `${where}: a commit has at most 500 mutations`).toBeLessThanOrEqual(
      MAX_MUTATIONS_PER_COMMIT,
    );
    expect(r.keys, `${where}: a lookup has at most 1,000 keys`).toBeLessThanOrEqual(
      MAX_KEYS_PER_LOOKUP,
    );
    expect(
      r.largestMutationBytes,
      `${where}: an entity (key and property names included) is at most 1,048,572 bytes`,
    ).toBeLessThanOrEqual(MAX_ENTITY_BYTES);
  }
}

const committedBytes = (requests: readonly MeteredRequest[]): number =>
  requests.filter((r) => r.method === 'commit').reduce((sum, r) => sum + r.bytes, 0);

describe('large values inside the production limits', () => {
  const namespace = uniqueNamespace('large');
  const client = newClient({ namespace });
  const meter = meterRequests(client);
  let adapter: DatastoreAdapter;

  beforeAll(async () => {
    adapter = createDatastoreAdapter(client);
    await adapter.setup();
  });
  afterAll(async () => {
    await adapter.close();
    await deleteNamespace(client, namespace);
  });

  it('a 64 MiB node state round-trips; a 1-byte edit rewrites at most 2% of its bytes', async () => {
    const state = pseudoRandomBytes(64 * MiB, 7);
    const writer = adapter.nodes({ codec: rawCodec }).new('big');
    meter.requests.length = 0;
    await writer.create(state);
    const reader = adapter.nodes({ codec: rawCodec }).new('big');
    const read = await reader.get();
    expect(read.byteLength, '§5 the whole state comes back').toBe(state.byteLength);
    expect(Buffer.compare(Buffer.from(read), Buffer.from(state)), '§5 byte for byte').toBe(0);
    expectWithinProductionLimits(meter.requests);

    meter.requests.length = 0;
    await writer.run((s) => {
      const edited = s.slice();
      edited[32 * MiB] = (edited[32 * MiB] as number) ^ 0xff;
      return edited;
    });
    expectWithinProductionLimits(meter.requests);
    const rewritten = committedBytes(meter.requests);
    expect(
      rewritten / state.byteLength,
      `§5 a 1-byte edit commits ${rewritten} bytes: at most 2% of the state`,
    ).toBeLessThanOrEqual(0.02);

    meter.requests.length = 0;
    const edited = await reader.get();
    expect(edited[32 * MiB], '§5 the reader sees the edit').toBe(
      (state[32 * MiB] as number) ^ 0xff,
    );
    expectWithinProductionLimits(meter.requests);
  });

  it('a 16 MiB operation checkpoint is chunked, compacted without copying, and read back', async () => {
    const data = pseudoRandomBytes(16 * MiB, 11);
    const op = adapter.operations.open('bulk-import');
    meter.requests.length = 0;
    const id = await op.checkpoint('all', data);
    expectWithinProductionLimits(meter.requests);
    const loaded = await op.load(id);
    expect(Buffer.compare(Buffer.from(loaded.data), Buffer.from(data)), '§2 byte for byte').toBe(0);

    meter.requests.length = 0;
    const compacted = await op.compact('compacted');
    expect(
      committedBytes(meter.requests),
      '§2 compact references the chunks instead of rewriting 16 MiB',
    ).toBeLessThan(64 * 1024);
    const latest = await op.latest();
    expect(latest?.id, '§2 the compacted checkpoint is the latest').toBe(compacted);
    expect(Buffer.compare(Buffer.from(latest?.data ?? []), Buffer.from(data)), '§2 same data').toBe(
      0,
    );
    expect(await op.list(), '§2 one checkpoint left').toEqual([compacted]);
    expectWithinProductionLimits(meter.requests);
  });
});
