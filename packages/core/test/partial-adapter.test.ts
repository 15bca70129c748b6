// An adapter built one primitive at a time: with only the checkpoint backend it passes the suite,
// which reports the four primitives it did not test; a missing primitive throws a typed error.
import { describe, expect, it } from 'vitest';
import {
  type ConformanceTarget,
  conformanceCases,
  NO_FAULTS_REASON,
  NO_TWIN_PROCESS_REASON,
  notImplementedReason,
  runCases,
  skipSummary,
  untestedPrimitives,
} from '../src/conformance/index.js';
import {
  type Adapter,
  CheckpointKitError,
  composeAdapter,
  type MemoryStore,
  type MemoryTx,
  memoryBackends,
  NotImplementedError,
  PRIMITIVES,
} from '../src/index.js';

interface CheckpointsOnly extends Adapter<MemoryTx> {
  readonly store: MemoryStore;
}

/** The memory adapter's checkpoint backend alone, as an author's first adapter would be. */
function checkpointsOnly(
  options: { clock?: () => number; store?: MemoryStore } = {},
): CheckpointsOnly {
  const memory = memoryBackends(options);
  const adapter = composeAdapter({
    name: 'checkpoints-only',
    options: memory.options,
    checkpoints: memory.checkpoints,
    transaction: memory.transaction,
    setup: memory.setup,
    close: memory.close,
  });
  return { ...adapter, store: memory.store };
}

const target: ConformanceTarget<MemoryTx, CheckpointsOnly> = {
  name: 'checkpoints-only',
  primitives: ['checkpoints'],
  create: async ({ clock }) => checkpointsOnly({ clock }),
  reopen: async (adapter, { clock }) => checkpointsOnly({ clock, store: adapter.store }),
  probe: {
    writeInTx: (tx, key, value) => tx.set(key, value),
    read: (adapter, key) =>
      adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
    endTransaction: (tx) => tx.rows.apply(),
  },
};

const UNTESTED = ['operations', 'groups', 'sessions', 'nodes'] as const;

describe('an adapter with only the checkpoint backend', () => {
  it('lists its primitives', () => {
    expect(checkpointsOnly().primitives).toEqual(['checkpoints']);
    expect(composeAdapter(memoryBackends()).primitives).toEqual([...PRIMITIVES]);
  });

  it('throws NotImplementedError, naming the primitive, from every method of a missing one', async () => {
    const adapter = checkpointsOnly();
    const calls: [string, () => unknown][] = [
      ['operations', () => adapter.operations.open('op')],
      ['operations', () => adapter.operations.list()],
      ['groups', () => adapter.groups.start('g')],
      ['groups', () => adapter.groups.scanUnresolved()],
      ['sessions', () => adapter.sessions.kv('ns')],
      ['sessions', () => adapter.sessions.committable('d')],
      ['nodes', () => adapter.nodes()],
    ];
    for (const [primitive, call] of calls) {
      let thrown: unknown;
      try {
        await call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, primitive).toBeInstanceOf(NotImplementedError);
      const error = thrown as NotImplementedError;
      expect(error).toBeInstanceOf(CheckpointKitError);
      expect(error.code).toBe('NOT_IMPLEMENTED');
      expect(error.primitive).toBe(primitive);
      expect(error.adapter).toBe('checkpoints-only');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`adapter.${primitive}`);
      expect(error.message).toContain('does not implement');
    }
    // The missing stores can still be looked at: logged, awaited, inspected.
    expect(await Promise.resolve(adapter.operations)).toBe(adapter.operations);
    expect(String(Object.keys(adapter.groups))).toBe('');
    // What it has works.
    await adapter.checkpoints.insert(
      { project: 'p', resourceId: 'r', processId: 'x' },
      { ttlMs: 1_000 },
    );
  });

  it('passes the conformance suite, and the report names the four primitives it did not test', async () => {
    expect(untestedPrimitives(target)).toEqual(UNTESTED);
    const results = await runCases(target, conformanceCases);
    const failed = results
      .filter((r) => r.outcome === 'failed')
      .map((r) => `${r.id}: ${(r.error as Error)?.message}`);
    expect(failed).toEqual([]);

    const passed = results.filter((r) => r.outcome === 'passed').map((r) => r.id);
    // Every checkpoint case ran, and the general ones that hold for any primitive.
    const checkpointCases = conformanceCases.filter(
      (c) => c.id.startsWith('checkpoints/') && c.requires === undefined,
    );
    expect(passed).toEqual(expect.arrayContaining(checkpointCases.map((c) => c.id)));
    expect(passed).toEqual(
      expect.arrayContaining([
        'general/errors/typed',
        'general/transaction/rollback',
        'general/isolation/separate-creates',
        'general/close/typed-error-after-close',
      ]),
    );

    // Every case that did not run says why: a missing primitive, or no fault capability.
    const reasons = new Set(results.filter((r) => r.outcome === 'skipped').map((r) => r.reason));
    expect([...reasons].sort()).toEqual(
      [...UNTESTED.map(notImplementedReason), NO_FAULTS_REASON, NO_TWIN_PROCESS_REASON].sort(),
    );
    expect(notImplementedReason('operations')).toBe(
      'not tested: operations not implemented by this adapter',
    );
    for (const r of results.filter((x) => x.id.startsWith('operations/')))
      expect(r.reason).toBe(notImplementedReason('operations'));

    // What runConformance prints after the run: one line per primitive not tested.
    const summary = skipSummary(target, conformanceCases) ?? '';
    for (const primitive of UNTESTED) {
      const count = results.filter((r) => r.reason === notImplementedReason(primitive)).length;
      expect(count, primitive).toBeGreaterThan(0);
      expect(summary).toContain(`${notImplementedReason(primitive)} (${count} cases)`);
    }
    expect(summary).not.toContain('operations/'); // counted, not listed one by one
  });

  it('refuses a target whose declared primitives differ from its adapter', async () => {
    const commitsUserWrites = conformanceCases.filter(
      (c) => c.id === 'general/transaction/commits-user-writes',
    );
    const results = await runCases({ ...target, primitives: undefined }, commitsUserWrites);
    expect(results.map((r) => r.outcome)).toEqual(['failed']);
    expect(String(results[0]?.error)).toContain('declares primitives');
  });
});
