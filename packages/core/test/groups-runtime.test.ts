// The group runtime's failure handling, with a backend that fails on demand.
import { describe, expect, it } from 'vitest';
import { createCheckpointGroups } from '../src/groups/group.js';
import { type GroupBackend, hlc, memoryBackends } from '../src/index.js';

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
