// Spanner's production limits, which the emulator does not enforce (it never counts mutations,
// and hangs on a commit over ~75 MiB): every commit of a 64 MiB node state — the first write and
// a 1-byte edit — and of a 64 MiB operation checkpoint is counted, shown, and kept within
// 80,000 mutations and 100 MiB; a 1-byte edit rewrites ≤ 2% of the state's bytes.
import { randomBytes } from 'node:crypto';
import type { Codec } from '@checkpointkit/core';
import { describe, expect, inject, it } from 'vitest';
import {
  type CommitStats,
  createSpannerAdapter,
  MAX_CELL_BYTES,
  MAX_COMMIT_BYTES,
  MAX_MUTATIONS_PER_COMMIT,
  SPANNER_MAX_SHARD_BYTES,
} from '../src/index.js';
import { createTestDatabase } from './support/emulator.js';

const hostPort = inject('spanner').plain;
const MiB = 1024 * 1024;

/** Raw bytes; decode copies, so that modify never edits bytes the cache holds. */
const rawBytes: Codec<Uint8Array> = { encode: (s) => s, decode: (b) => b.slice() };

function summary(label: string, commits: readonly CommitStats[]) {
  const largest = commits.reduce(
    (max, c) => ({
      mutations: Math.max(max.mutations, c.mutations),
      bytes: Math.max(max.bytes, c.bytes),
    }),
    { mutations: 0, bytes: 0 },
  );
  const bytes = commits.reduce((sum, c) => sum + c.bytes, 0);
  // Shown in the test output: the figures the README quotes.
  console.log(
    `${label}: ${commits.length} commits, ${(bytes / MiB).toFixed(2)} MiB in all; largest ` +
      `${largest.mutations} mutations (limit ${MAX_MUTATIONS_PER_COMMIT}), ` +
      `${(largest.bytes / MiB).toFixed(2)} MiB (limit ${MAX_COMMIT_BYTES / MiB} MiB)`,
  );
  return { largest, bytes };
}

async function observedAdapter(label: string) {
  const commits: CommitStats[] = [];
  const adapter = createSpannerAdapter(await createTestDatabase(hostPort, label), {
    observeCommit: (stats) => commits.push(stats),
  });
  await adapter.setup();
  return { adapter, commits };
}

describe('production limits', () => {
  it('a shard is one cell, under the 10 MiB cell limit', () => {
    expect(SPANNER_MAX_SHARD_BYTES).toBeLessThan(MAX_CELL_BYTES);
  });

  it('a 64 MiB node state: first write and a 1-byte edit stay within the per-commit limits', async () => {
    const { adapter, commits } = await observedAdapter('big-node');
    const state = new Uint8Array(randomBytes(64 * MiB));
    const original = state[32 * MiB] as number;
    const store = adapter.nodes({ codec: rawBytes }).for('model');

    await store.create(state);
    const first = summary('64 MiB state, first write', commits);
    expect(first.largest.mutations).toBeLessThanOrEqual(MAX_MUTATIONS_PER_COMMIT);
    expect(first.largest.bytes).toBeLessThanOrEqual(MAX_COMMIT_BYTES);
    expect(first.bytes, 'every byte of the state was written').toBeGreaterThanOrEqual(64 * MiB);
    expect(commits.length, 'the state needed more than one commit').toBeGreaterThan(1);
    expect(commits.at(-1)?.operation, 'the root is written last').toBe('nodes.commit');

    commits.length = 0;
    await store.run((s) => {
      s[32 * MiB] = (s[32 * MiB] as number) ^ 0xff;
    });
    const edit = summary('64 MiB state, 1-byte edit', commits);
    expect(edit.largest.mutations).toBeLessThanOrEqual(MAX_MUTATIONS_PER_COMMIT);
    expect(edit.largest.bytes).toBeLessThanOrEqual(MAX_COMMIT_BYTES);
    expect(edit.bytes, '§5 an edit rewrites only the shards it touches (≤ 2%)').toBeLessThanOrEqual(
      0.02 * 64 * MiB,
    );

    // Another process's view: the whole new generation, checked (length and sha256).
    const reader = adapter.nodes({ codec: rawBytes }).new('model');
    const read = await reader.get();
    expect(read.byteLength).toBe(64 * MiB);
    expect(read[32 * MiB]).toBe(original ^ 0xff);
    // A cache hit reads the root's head only (readRootHead), no shards.
    const shardReads = reader.stats.shardReads;
    await reader.get();
    expect(reader.stats.shardReads).toBe(shardReads);
  });

  it('a 64 MiB operation checkpoint is one commit within the limits, and compact copies it in Spanner', async () => {
    const { adapter, commits } = await observedAdapter('big-op');
    const op = adapter.operations.open('import');
    const data = new Uint8Array(randomBytes(64 * MiB));
    const id = await op.checkpoint('all', data);
    const written = summary('64 MiB operation checkpoint', commits);
    expect(commits).toHaveLength(1);
    expect(written.largest.bytes).toBeLessThanOrEqual(MAX_COMMIT_BYTES);
    expect(written.largest.mutations).toBeLessThanOrEqual(MAX_MUTATIONS_PER_COMMIT);
    const compacted = await op.compact('compacted');
    expect(compacted).not.toBe(id);
    const latest = await op.latest();
    expect(latest?.data.byteLength).toBe(64 * MiB);
    expect(Buffer.compare(Buffer.from(latest?.data ?? []), Buffer.from(data))).toBe(0);
  });
});
