// Payloads at the default limit (64 MiB) go into BLOBs and come back intact: an operation
// checkpoint (and its compaction, copied inside SQLite) and a node state of that size.
import { join } from 'node:path';
import { DEFAULT_MAX_PAYLOAD_BYTES, PayloadTooLargeError } from '@checkpointkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteAdapter, type SqliteAdapter } from '../src/index.js';
import { openFile, tempDir } from './support.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function adapter(): Promise<SqliteAdapter> {
  const { dir, remove } = tempDir();
  const a = await openFile(join(dir, 'large.db'));
  cleanup.push(remove);
  cleanup.push(() => a.close());
  return a;
}

/** Not compressible, not repetitive: every 4 bytes a different counter value. */
function payload(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i + 4 <= length; i += 4) view.setUint32(i, (i * 2654435761) >>> 0);
  return bytes;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('payloads at the default 64 MiB limit', () => {
  it('an operation checkpoint of exactly the limit, compacted and reopened', async () => {
    const a = await adapter();
    expect(a.limits.maxPayloadBytes).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
    const data = payload(DEFAULT_MAX_PAYLOAD_BYTES);
    const op = a.operations.open('huge');
    const id = await op.checkpoint('all of it', data);
    expect(same((await op.load(id)).data, data)).toBe(true);
    const compacted = (await op.compact('compacted')) as string;
    expect(await op.list()).toEqual([compacted]);
    const other = createSqliteAdapter({ path: a.database.name });
    cleanup.push(() => other.close());
    const reopened = await other.operations.open('huge').latest();
    expect(reopened?.id).toBe(compacted);
    expect(same(reopened?.data ?? new Uint8Array(), data)).toBe(true);
    await expect(
      op.checkpoint('one more', new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1)),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('a node state of exactly the limit', async () => {
    const a = await adapter();
    const raw = { encode: (s: Uint8Array) => s, decode: (b: Uint8Array) => b };
    const state = payload(DEFAULT_MAX_PAYLOAD_BYTES);
    await a
      .nodes({ codec: raw, shardBytes: 4 * 1024 * 1024 })
      .for('huge')
      .create(state);
    const loaded = await a.nodes({ codec: raw }).new('huge').get();
    expect(same(loaded, state)).toBe(true);
  });
});
