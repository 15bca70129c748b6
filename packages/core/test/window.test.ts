// The window algorithm as pure functions: the contract's table (docs/contract.md, §3), and the seek-based summary agreeing
// with the reference summary on random histories.
import { describe, expect, it } from 'vitest';
import { tableEntries, toHlc, windowTable } from '../src/conformance/index.js';
import {
  compareHlc,
  formatHlc,
  type Hlc,
  hlc,
  type PartitionSeeks,
  pruneCutoffs,
  resolvedWindow,
  summarizeBySeeks,
  summarizePartition,
  type TimestampEntry,
} from '../src/index.js';

function seeksOver(entries: readonly TimestampEntry[]): PartitionSeeks {
  const at = (i: number): Hlc | null => entries[i]?.ts ?? null;
  const indexOf = (ts: Hlc): number => entries.findIndex((e) => compareHlc(e.ts, ts) >= 0);
  return {
    last: async () => at(entries.length - 1),
    firstUnapplied: async () => entries.find((e) => !e.applied)?.ts ?? null,
    firstAppliedAfter: async (ts) =>
      entries.find((e) => e.applied && compareHlc(e.ts, ts) > 0)?.ts ?? null,
    lastBefore: async (ts) =>
      [...entries].reverse().find((e) => compareHlc(e.ts, ts) < 0)?.ts ?? null,
    nthFrom: async (from, offset) => at(indexOf(from) + offset),
  };
}

const show = (w: { lo: Hlc; hi: Hlc }): string => `(${formatHlc(w.lo)}, ${formatHlc(w.hi)})`;

describe('resolvedWindow over summarizePartition: the table of the contract', () => {
  for (const c of windowTable) {
    it(c.name, () => {
      const summaries = [...tableEntries(c)].flatMap(
        ([p, entries]) => summarizePartition(p, entries, c.lookahead) ?? [],
      );
      expect(show(resolvedWindow(summaries))).toBe(
        show({ lo: toHlc(c.expected[0]), hi: toHlc(c.expected[1]) }),
      );
    });
  }
});

describe('summarizeBySeeks', () => {
  it('agrees with summarizePartition on 2,000 random histories, with and without lookahead', async () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const length = 1 + random(12);
      const entries: TimestampEntry[] = [];
      let t = random(3);
      for (let i = 0; i < length; i++) {
        t += 1 + random(3);
        entries.push({ ts: hlc(t, random(2)), applied: random(3) === 0 });
      }
      const lookahead = random(4) === 0 ? undefined : random(5);
      expect(await summarizeBySeeks('p', seeksOver(entries), lookahead)).toEqual(
        summarizePartition('p', entries, lookahead),
      );
    }
  });

  it('is null for a partition without timestamps', async () => {
    expect(await summarizeBySeeks('p', seeksOver([]))).toBeNull();
    expect(summarizePartition('p', [])).toBeNull();
  });
});

describe('pruneCutoffs', () => {
  it('keeps each partition from its run start (dirty) or maximum (clean), never above lo', () => {
    const cutoffs = pruneCutoffs(
      [
        { partition: 'a', dirty: true, min: hlc(5), max: hlc(9) },
        { partition: 'b', dirty: false, max: hlc(20) },
      ],
      hlc(7),
    );
    expect(cutoffs.map((c) => [c.partition, formatHlc(c.below)])).toEqual([
      ['a', formatHlc(hlc(5))],
      ['b', formatHlc(hlc(7))],
    ]);
  });
});
