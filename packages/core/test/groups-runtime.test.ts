// The group runtime's failure handling, with a backend that fails on demand; and a backend
// whose change notification is synchronous.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type ConformanceTarget, conformanceCases, runCases } from '../src/conformance/index.js';
import { createCheckpointGroups } from '../src/groups/group.js';
import {
  type Clock,
  composeAdapter,
  formatHlc,
  type GroupBackend,
  HLC_ORIGIN,
  hlc,
  type MemoryAdapter,
  type MemoryStore,
  type MemoryTx,
  memoryBackends,
  next,
} from '../src/index.js';

describe('checkpoint group refresh failures', () => {
  it('a failing background refresh keeps the last good bounds and reports through onError', async () => {
    const inner = memoryBackends().groups;
    let failing = false;
    const backend: GroupBackend = {
      ...inner,
      summaries: (group, lookahead) =>
        failing ? Promise.reject(new Error('backend down')) : inner.summaries(group, lookahead),
    };
    const errors: unknown[] = [];
    const group = await createCheckpointGroups(backend).start('g', {
      pollIntervalMs: 5,
      onError: (e) => errors.push(e),
    });
    await group.advance('p', hlc(4));
    const good = await group.refresh();
    failing = true;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors.length).toBeGreaterThan(0);
    expect(group.bounds()).toEqual(good);
    expect((group.lastError as Error).message).toBe('backend down');
    failing = false;
    await group.refresh();
    expect(group.lastError).toBeUndefined();
    await group.stop();
  });
});

describe('background refreshes after local writes', () => {
  it('a burst of advances recomputes the window a few times, not once per advance, and watchers still see the end of it', async () => {
    const inner = memoryBackends().groups;
    let summaries = 0;
    const backend: GroupBackend = {
      ...inner,
      summaries: (group, lookahead) => {
        summaries++;
        return inner.summaries(group, lookahead);
      },
    };
    const group = await createCheckpointGroups(backend).start('g', { pollIntervalMs: 60_000 });
    const controller = new AbortController();
    const seen = group.watch({ signal: controller.signal })[Symbol.asyncIterator]();
    await seen.next(); // the current window, first
    const before = summaries;
    const partitions = Array.from({ length: 16 }, (_, i) => `p${i}`);
    for (const p of partitions) await group.advance(p, hlc(7));
    // Within the gap, the last change still reaches the watcher.
    const deadline = Date.now() + 2_000;
    let last = (await seen.next()).value;
    while (formatHlc(last.max) !== formatHlc(next(hlc(7))) && Date.now() < deadline) {
      last = (await seen.next()).value;
    }
    expect(formatHlc(last.max)).toBe(formatHlc(next(hlc(7))));
    expect(summaries - before).toBeLessThanOrEqual(3);
    controller.abort();
    await group.stop();
  });
});

describe('a backend that notifies synchronously', () => {
  /**
   * Memory group backends on one store whose subscribe() is an EventEmitter that advance/commit
   * emit inside the call, synchronously, before the call resolves: the call then settles through a
   * few more promise hops, as a driver's reply does.
   */
  function synchronousTarget(): ConformanceTarget<MemoryTx, MemoryAdapter> {
    const emitters = new WeakMap<MemoryStore, EventEmitter>();
    const settle = async (): Promise<void> => {
      for (let hop = 0; hop < 50; hop++) await Promise.resolve();
    };
    const create = (clock: Clock, store?: MemoryStore): MemoryAdapter => {
      const backends = memoryBackends({ clock, ...(store ? { store } : {}) });
      const emitter = emitters.get(backends.store) ?? new EventEmitter();
      emitters.set(backends.store, emitter);
      const inner = backends.groups;
      const groups: GroupBackend = {
        ...inner,
        async advance(group, partition, ts) {
          await inner.advance(group, partition, ts);
          emitter.emit(group);
          await settle();
        },
        async commit(group, range) {
          await inner.commit(group, range);
          emitter.emit(group);
          await settle();
        },
        async subscribe(group, onChange) {
          emitter.on(group, onChange);
          return async () => {
            emitter.off(group, onChange);
          };
        },
      };
      return { ...composeAdapter({ ...backends, groups }), store: backends.store };
    };
    return {
      name: 'memory, synchronous onChange',
      create: async ({ clock }) => create(clock),
      reopen: async (adapter, { clock }) => create(clock, adapter.store),
      probe: {
        writeInTx: (tx, key, value) => tx.set(key, value),
        read: (adapter, key) =>
          adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
      },
    };
  }

  it('passes the groups/ cases: bounds() stays the last computed window until the refresh the notification asked for', async () => {
    const results = await runCases(
      synchronousTarget(),
      conformanceCases.filter((c) => c.id.startsWith('groups/')),
    );
    const failed = results
      .filter((r) => r.outcome === 'failed')
      .map((r) => `${r.id}: ${(r.error as Error).message}`);
    expect(failed).toEqual([]);
    expect(results.map((r) => r.id)).toContain('groups/bounds/last-computed');
  });

  it("another process's advance reaches this one's window through the notification, not the poll", async () => {
    const target = synchronousTarget();
    const clock = (): number => 0;
    const mine = await target.create({ clock });
    const theirs = await target.reopen(mine, { clock });
    const watcher = await mine.groups.start('g', { pollIntervalMs: 60_000 });
    const writer = await theirs.groups.start('g', { pollIntervalMs: 60_000 });
    await writer.advance('p', hlc(4));
    expect(formatHlc(watcher.bounds().max)).toBe(formatHlc(next(HLC_ORIGIN)));
    const deadline = Date.now() + 2_000;
    while (formatHlc(watcher.bounds().max) !== formatHlc(next(hlc(4))) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(formatHlc(watcher.bounds().max)).toBe(formatHlc(next(hlc(4))));
    await Promise.all([watcher.stop(), writer.stop()]);
  });
});
