/**
 * Proof that the conformance suite can fail: deliberately broken variants of the memory adapter,
 * each with one realistic adapter bug, must fail the cases that describe the rule they break.
 */
import { describe, expect, it } from 'vitest';
import type { AdapterBackends } from '../src/adapter.js';
import {
  type CaseResult,
  type ConformanceCase,
  type ConformanceTarget,
  conformanceCases,
  runCases,
} from '../src/conformance/index.js';
import {
  type CheckpointRecord,
  composeAdapter,
  type MemoryAdapter,
  type MemoryStore,
  MemoryTx,
  memoryBackends,
  next,
} from '../src/index.js';
import { MemoryRows } from '../src/memory/memory-store.js';
import { lossyMemoryTarget } from './support/lost-replies.js';

type Backends = Required<AdapterBackends<MemoryTx>> & { store: MemoryStore };

interface Mutant {
  readonly name: string;
  readonly bug: string;
  /** Case id prefixes this mutant is run against (to keep the run short). */
  readonly sections: readonly string[];
  /** Cases that must fail. */
  readonly mustFail: readonly string[];
  readonly patch: (b: Backends) => Backends;
}

const mutants: Mutant[] = [
  {
    name: 'drops-results',
    bug: 'runOnce writes the record it decided on, not the completed one carrying the result',
    sections: ['checkpoints/results/'],
    mustFail: [
      'checkpoints/results/json-roundtrip',
      'checkpoints/results/bytes-roundtrip',
      'checkpoints/results/replay-after-reopen',
      'checkpoints/results/concurrent-one-result',
    ],
    patch: (b) => ({
      ...b,
      checkpoints: {
        ...b.checkpoints,
        runOnce: (record, nowMs, work) => b.checkpoints.runOnce(record, nowMs, work),
      },
    }),
  },
  {
    name: 'drops-fingerprints',
    bug: 'records are stored without their fingerprint',
    sections: ['checkpoints/results/'],
    mustFail: [
      'checkpoints/results/fingerprint-mismatch-refused',
      'checkpoints/results/claim-complete-value',
    ],
    patch: (b) => {
      const strip = (r: CheckpointRecord): CheckpointRecord => ({ ...r, fingerprint: undefined });
      return {
        ...b,
        checkpoints: {
          ...b.checkpoints,
          insertUnlessLive: (record, nowMs) => b.checkpoints.insertUnlessLive(strip(record), nowMs),
          runOnce: (record, nowMs, work, completed) =>
            b.checkpoints.runOnce(
              strip(record),
              nowMs,
              work,
              completed && ((value) => strip(completed(value))),
            ),
        },
      };
    },
  },
  {
    name: 'ignores-expiry',
    bug: 'insertUnlessLive treats an expired record as live',
    sections: ['checkpoints/'],
    mustFail: ['checkpoints/expiry/reinsert-after-expiry', 'checkpoints/insert-in/over-expired'],
    patch: (b) => ({
      ...b,
      checkpoints: {
        ...b.checkpoints,
        insertUnlessLive: async (record, nowMs) => {
          const existing = await b.checkpoints.read(record.key);
          if (existing) return existing;
          return b.checkpoints.insertUnlessLive(record, nowMs);
        },
        insertIn: (tx, record, nowMs) =>
          b.checkpoints.insertIn(tx, { ...record }, nowMs - 10 ** 12),
      },
    }),
  },
  {
    name: 'reuses-ids',
    bug: 'clear resets the sequence counter (a rescan instead of a persisted counter)',
    sections: ['operations/ids/'],
    mustFail: ['operations/ids/not-reused-after-clear', 'operations/ids/not-reused-after-complete'],
    patch: (b) => ({
      ...b,
      operations: {
        ...b.operations,
        clear: async (name, fence, nowMs, endLease) => {
          await b.operations.clear(name, fence, nowMs, endLease);
          const row = b.store.table('operations').get(name) as object;
          b.store.table('operations').set(name, { ...row, lastSeq: 0 });
        },
      },
    }),
  },
  {
    name: 'drops-user-writes',
    bug: 'runOnce commits the checkpoint but runs work on a transaction that is never committed',
    sections: ['checkpoints/run-once/'],
    mustFail: [
      'checkpoints/run-once/runs-and-inserts',
      'checkpoints/run-once/atomic-with-user-writes',
    ],
    patch: (b) => ({
      ...b,
      checkpoints: {
        ...b.checkpoints,
        runOnce: async (record: CheckpointRecord, nowMs: number, work) => {
          const live = await b.checkpoints.insertUnlessLive(record, nowMs);
          if (live) return { ran: false, existing: live };
          return { ran: true, value: await work(new MemoryTx(new MemoryRows(b.store))) };
        },
      },
    }),
  },
  {
    name: 'no-generation-check',
    bug: 'commitRoot stores the new root whatever generation is stored',
    sections: ['nodes/run/'],
    mustFail: ['nodes/run/conflict-after-max-attempts', 'nodes/run/fresh-state-per-attempt'],
    patch: (b) => ({
      ...b,
      nodes: {
        ...b.nodes,
        commitRoot: async (id, expected, root, retired, nowMs, onCommit) => {
          const actual = (await b.nodes.readRoot(id))?.generation ?? null;
          return b.nodes.commitRoot(
            id,
            expected === null ? null : actual,
            root,
            retired,
            nowMs,
            onCommit,
          );
        },
      },
    }),
  },
  {
    name: 'stale-root-head',
    bug: 'the root head reports the first generation it saw, so a cache is never invalidated',
    sections: ['nodes/'],
    mustFail: [
      'nodes/cache/hit-reads-root-only',
      'nodes/run/fresh-state-per-attempt',
      'nodes/run/conflict-after-max-attempts',
    ],
    patch: (b) => {
      const first = new Map<string, { generation: number; sha256: string }>();
      return {
        ...b,
        nodes: {
          ...b.nodes,
          readRootHead: async (id) => {
            const head = await b.nodes.readRootHead?.(id);
            if (head && !first.has(id)) first.set(id, head);
            return first.get(id) ?? head ?? null;
          },
        },
      };
    },
  },
  {
    name: 'applies-twice',
    bug: "a dataset ignores its marker and applies a replayed session's changes again",
    sections: ['sessions/'],
    mustFail: [
      'sessions/dataset/recovery-skips-applied',
      'sessions/crash/after-the-first-participant-committed-before-the-second',
      'sessions/dataset/monotonic-keys',
    ],
    patch: (b) => ({
      ...b,
      sessions: {
        ...b.sessions,
        datasetApply: async (dataset, changes, marker, _monotonic, onCommit) => {
          await b.store.transaction((rows) => rows.remove('datasetMarkers', dataset));
          return b.sessions.datasetApply(dataset, changes, marker, false, onCommit);
        },
      },
    }),
  },
  {
    name: 'inclusive-commit',
    bug: 'commit marks [min, max] instead of [min, max)',
    sections: ['groups/commit/'],
    mustFail: ['groups/commit/half-open'],
    patch: (b) => ({
      ...b,
      groups: {
        ...b.groups,
        commit: (group, range) => b.groups.commit(group, { min: range.min, max: next(range.max) }),
      },
    }),
  },
  {
    name: 'lookahead-off-by-one',
    bug: 'the window keeps L + 2 timestamps of the run',
    sections: ['groups/window/'],
    mustFail: [
      'groups/window/spec-example-lookahead-4-timestamps-1-10-unapplied',
      'groups/window/gap-with-lookahead-1',
    ],
    patch: (b) => ({
      ...b,
      groups: {
        ...b.groups,
        summaries: (group, lookahead) =>
          b.groups.summaries(group, lookahead === undefined ? undefined : lookahead + 1),
      },
    }),
  },
  {
    name: 'concatenated-keys',
    bug: 'resourceId and uniquifier joined with ":" into one key',
    sections: ['general/keys/'],
    mustFail: ['general/keys/injective-checkpoints'],
    patch: (b) => {
      const collapse = (r: CheckpointRecord): CheckpointRecord => ({
        ...r,
        key: { ...r.key, resourceId: `${r.key.resourceId}:${r.key.uniquifier}`, uniquifier: '' },
      });
      return {
        ...b,
        checkpoints: {
          ...b.checkpoints,
          insertUnlessLive: (record, nowMs) =>
            b.checkpoints.insertUnlessLive(collapse(record), nowMs),
        },
      };
    },
  },
  {
    name: 'unfenced-writes',
    bug: 'checkpoint ignores the operation lease',
    sections: ['operations/lease/'],
    mustFail: [
      'operations/lease/fences-other-handles',
      'operations/lease/takeover-fences-old-holder',
    ],
    patch: (b) => ({
      ...b,
      operations: {
        ...b.operations,
        append: (name, entry, _fence, nowMs) => {
          const row = b.store.table('operations').get(name) as
            | { lease: { token: number } | null }
            | undefined;
          return b.operations.append(name, entry, row?.lease?.token ?? null, nowMs);
        },
      },
    }),
  },
];

function target(mutant: Mutant): ConformanceTarget<MemoryTx, MemoryAdapter> {
  const build = (clock: () => number, store?: MemoryStore): MemoryAdapter => {
    const backends = mutant.patch(memoryBackends({ clock, ...(store ? { store } : {}) }));
    return { ...composeAdapter(backends), store: backends.store };
  };
  return {
    name: `mutant ${mutant.name}`,
    create: async ({ clock }) => build(clock),
    reopen: async (adapter, { clock }) => build(clock, adapter.store),
    probe: {
      writeInTx: (tx, key, value) => tx.set(key, value),
      read: (adapter, key) =>
        adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
    },
  };
}

const selected = (mutant: Mutant): ConformanceCase[] =>
  conformanceCases.filter((c) => mutant.sections.some((prefix) => c.id.startsWith(prefix)));

describe('the conformance suite fails broken adapters', () => {
  for (const mutant of mutants) {
    it(`${mutant.name} (${mutant.bug}) fails ${mutant.mustFail.join(', ')}`, async () => {
      const cases = selected(mutant);
      for (const id of mutant.mustFail) expect(cases.map((c) => c.id)).toContain(id);
      const results: CaseResult[] = await runCases(target(mutant), cases);
      const failed = results.filter((r) => r.outcome === 'failed').map((r) => r.id);
      expect(failed).toEqual(expect.arrayContaining([...mutant.mustFail]));
    });
  }

  it('an adapter without the optional readRootHead (a cache hit reads the whole root) passes every node case', async () => {
    const withoutHead: Mutant = {
      name: 'no-root-head',
      bug: 'none',
      sections: ['nodes/'],
      mustFail: [],
      patch: (b) => {
        const { readRootHead: _omitted, ...nodes } = b.nodes;
        return { ...b, nodes };
      },
    };
    const cases = selected(withoutHead);
    const results = await runCases(target(withoutHead), cases);
    expect(results.filter((r) => r.outcome !== 'passed')).toEqual([]);
    expect(results.length).toBe(cases.length);
  });

  it.each([
    ['reported-retryable', 'a lost reply of an applied write is reported as retryable'],
    ['resent-blindly', 'the client resends a write whose reply was lost and it is applied again'],
  ] as const)(
    'lost replies: %s (%s) fails every lost-reply case it breaks',
    async (behaviour, _bug) => {
      const cases = conformanceCases.filter((c) => c.id.startsWith('faults/'));
      const results = await runCases(lossyMemoryTarget(behaviour), cases);
      const failed = results.filter((r) => r.outcome === 'failed').map((r) => r.id);
      const mustFail =
        behaviour === 'reported-retryable'
          ? cases.filter((c) => !c.id.includes('in-flight')).map((c) => c.id)
          : [
              'faults/checkpoints/run-once-lost-reply',
              'faults/operations/checkpoint-lost-reply',
              'faults/operations/checkpoint-lost-reply-writer-between',
              'faults/groups/advance-lost-reply-writer-between',
              'faults/groups/commit-lost-reply-writer-between',
              'faults/checkpoints/claim-complete-lost-reply',
              'faults/checkpoints/claim-complete-lost-reply-writer-between',
              'faults/sessions/kv-set-lost-reply-writer-between',
              'faults/nodes/run-lost-reply',
              'faults/nodes/run-lost-reply-writer-between',
            ];
      expect(failed).toEqual(expect.arrayContaining(mustFail));
    },
  );

  it('the unbroken memory adapter passes the same cases', async () => {
    const identity: Mutant = {
      name: 'none',
      bug: 'none',
      sections: [],
      mustFail: [],
      patch: (b) => b,
    };
    const ids = new Set(mutants.flatMap((m) => selected(m).map((c) => c.id)));
    const results = await runCases(
      target(identity),
      conformanceCases.filter((c) => ids.has(c.id)),
    );
    expect(results.filter((r) => r.outcome !== 'passed')).toEqual([]);
    expect(results.length).toBe(ids.size);
  });
});
