// The group runtime's failure handling, with a backend that fails on demand.
import { describe, expect, it } from 'vitest';
import { createCheckpointGroups } from '../src/groups/group.js';
import { formatHlc, type GroupBackend, hlc, memoryBackends, next } from '../src/index.js';

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
