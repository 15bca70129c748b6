// The pipeline on the in-memory backend: every store ends with the expected totals, and a
// second run over the same store finds nothing left to do.
import { describe, expect, it } from 'vitest';
import { openMemoryBackend } from '../src/backends/memory.js';
import { runPipeline } from '../src/pipeline.js';
import { generateStream } from '../src/stream.js';
import { summarize } from '../src/summary.js';

const quiet = { step: () => {}, progress: () => {}, log: () => {} };

describe('pipeline', () => {
  it('applies every order exactly once and every store agrees', async () => {
    const backend = openMemoryBackend();
    const stream = generateStream({ events: 1500, partitions: 6, seed: 7 });
    const state = await runPipeline(backend, stream, { lookahead: 20, leaseMs: 3000 }, quiet);
    const summary = await summarize(backend, stream, state);
    expect(summary.shops.filter((r) => !r.ok)).toEqual([]);
    expect(summary.appliedEvents).toBe(1500);
    expect(summary.ok).toBe(true);
    expect(state.windows).toBeGreaterThan(5);

    const again = await runPipeline(backend, stream, { lookahead: 20, leaseMs: 3000 }, quiet);
    const second = await summarize(backend, stream, again);
    expect(second.stateChecksum).toBe(summary.stateChecksum);
    expect(second.sessionIds).toEqual(summary.sessionIds);
  });
});
