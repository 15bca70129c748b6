/**
 * Our side of a node-state scenario, on any adapter: core's NodeStore, its stats counting reads
 * and writes.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Adapter, NodeStore } from '@checkpointkit/core';
import { bytesCodec, viewCodec } from './state-codecs.js';
import { MIB, type NodeCounters, type NodeScenario, type PreparedNodeSide } from './task.js';

const ZERO: NodeCounters = { rootReads: 0, shardReads: 0, shardsWritten: 0, bytesWritten: 0 };

function add(a: NodeCounters, store: NodeStore<Uint8Array, unknown>): NodeCounters {
  const s = store.stats;
  return {
    rootReads: a.rootReads + s.rootReads,
    shardReads: a.shardReads + s.shardReads,
    shardsWritten: a.shardsWritten + s.shardsWritten,
    bytesWritten: a.bytesWritten + s.bytesWritten,
  };
}

export async function prepareOurSide<Tx>(
  adapter: Adapter<Tx>,
  scenario: NodeScenario,
  close: () => Promise<void>,
): Promise<PreparedNodeSide> {
  const bytes = scenario.sizeMiB * MIB;
  const initial = new Uint8Array(randomBytes(bytes));
  const nodes = adapter.nodes<Uint8Array>({
    codec: scenario.kind === 'cached-get' ? viewCodec : bytesCodec,
  });
  const id = `bench-${scenario.kind}`;
  const creator = nodes.new(id);
  await creator.create(initial);
  // create() wrote every distinct shard of the state once.
  const shardCount = creator.stats.shardsWritten;
  // Stores that have done their work, their stats folded in here.
  let finished = ZERO;

  if (scenario.kind === 'full-load') {
    return {
      op: async () => {
        // A new store has an empty cache: every get() reads root and shards, like a new process.
        const store = nodes.new(id);
        await store.get();
        finished = add(finished, store);
      },
      counters: () => finished,
      shardCount,
      close,
    };
  }
  const store = scenario.kind === 'cached-get' ? nodes.new(id) : creator;
  await store.get(); // warm: the cache holds the current generation
  const base = store.stats;
  const counters = (): NodeCounters => ({
    rootReads: store.stats.rootReads - base.rootReads,
    shardReads: store.stats.shardReads - base.shardReads,
    shardsWritten: store.stats.shardsWritten - base.shardsWritten,
    bytesWritten: store.stats.bytesWritten - base.bytesWritten,
  });
  if (scenario.kind === 'cached-get') {
    return { op: () => store.get(), counters, shardCount, close };
  }
  return {
    op: () =>
      store.run((state) => {
        state[randomInt(bytes)] ^= 0xff;
      }),
    counters,
    shardCount,
    close,
  };
}
