/**
 * Table-driven cases of the checkpoint-group window (the contract, §3, in docs/contract.md),
 * shared by the conformance suite (which plays them through a real backend) and core's unit tests
 * (which feed them to the pure functions). Timestamps are nanos, or [nanos, logical].
 */
import { compareHlc, HLC_ORIGIN, type Hlc, hlc } from '../hlc.js';

export type Ts = number | readonly [number, number];

export interface WindowTableCase {
  readonly name: string;
  readonly lookahead?: number;
  /** Partitions given an applied origin checkpoint first. */
  readonly ensure?: readonly string[];
  /** Timestamps advanced per partition, in order. */
  readonly advances: Readonly<Record<string, readonly Ts[]>>;
  /** Ranges [min, max) committed after the advances. */
  readonly commits?: readonly (readonly [Ts, Ts])[];
  /** The expected (lo, hi); bounds() = rangeIncluding(lo, hi). */
  readonly expected: readonly [Ts, Ts];
}

export function toHlc(ts: Ts): Hlc {
  return typeof ts === 'number' ? hlc(ts) : hlc(ts[0], ts[1]);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const windowTable: readonly WindowTableCase[] = [
  {
    name: 'spec example: lookahead 4, timestamps 1..10 unapplied',
    lookahead: 4,
    advances: { p: range(1, 10) },
    expected: [0, 5],
  },
  {
    name: 'spec example: lookahead 4, after commit of [0, 2)',
    lookahead: 4,
    advances: { p: range(1, 10) },
    commits: [[0, 2]],
    expected: [1, 5],
  },
  {
    name: 'spec example: no lookahead, 1..1000 unapplied',
    advances: { p: range(1, 1000) },
    expected: [0, 1000],
  },
  {
    name: 'spec example: no lookahead, 1..1000 all applied',
    advances: { p: range(1, 1000) },
    commits: [[1, 1001]],
    expected: [1000, 1000],
  },
  { name: 'a group with no partitions: (origin, origin)', advances: {}, expected: [0, 0] },
  { name: 'ensured partitions only', ensure: ['a', 'b'], advances: {}, expected: [0, 0] },
  {
    name: 'ensured partition, then one unapplied timestamp',
    ensure: ['p'],
    advances: { p: [5] },
    expected: [0, 5],
  },
  {
    name: 'dirty partition bounded by a clean one ahead of it',
    advances: { a: [10, 20], b: range(1, 6) },
    commits: [[10, 21]],
    expected: [0, 6],
  },
  {
    name: 'a clean partition behind every dirty one holds the window at [common, common]',
    advances: { a: [3], b: range(5, 20) },
    commits: [[3, 4]],
    expected: [3, 3],
  },
  {
    name: 'a freshly ensured partition holds the window at the origin until it advances',
    ensure: ['a', 'b'],
    advances: { a: range(1, 5) },
    expected: [0, 0],
  },
  {
    name: 'gap: the run stops before the first applied timestamp after u',
    advances: { p: range(1, 6) },
    commits: [
      [1, 3],
      [5, 6],
    ],
    expected: [2, 4],
  },
  {
    name: 'gap with lookahead 0: only the run start is kept',
    lookahead: 0,
    advances: { p: range(1, 6) },
    commits: [
      [1, 3],
      [5, 6],
    ],
    expected: [2, 2],
  },
  {
    name: 'gap with lookahead 1',
    lookahead: 1,
    advances: { p: range(1, 6) },
    commits: [
      [1, 3],
      [5, 6],
    ],
    expected: [2, 3],
  },
  {
    name: 'lookahead longer than the run changes nothing',
    lookahead: 10,
    advances: { p: range(1, 6) },
    commits: [
      [1, 3],
      [5, 6],
    ],
    expected: [2, 4],
  },
  {
    name: 'two dirty partitions at the common maximum: lo is the lower min',
    advances: { a: [2, 5, 8], b: [4, 6, 8] },
    commits: [
      [2, 3],
      [4, 5],
    ],
    expected: [2, 8],
  },
  {
    name: 'only dirty partitions at the common maximum count',
    advances: { a: [2, 5, 9], b: [4, 6, 8] },
    commits: [
      [2, 3],
      [4, 5],
    ],
    expected: [4, 8],
  },
  {
    name: 'timestamps that differ only in the logical part',
    advances: {
      p: [
        [5, 0],
        [5, 1],
        [5, 2],
      ],
    },
    commits: [
      [
        [5, 0],
        [5, 1],
      ],
    ],
    expected: [
      [5, 0],
      [5, 2],
    ],
  },
  {
    name: 'no applied timestamp below u: min is the origin, the run starts at the first',
    advances: { p: [5, 6] },
    expected: [0, 6],
  },
  {
    name: 'many partitions with the same history',
    advances: { a: [1, 2, 3], b: [1, 2, 3], c: [1, 2, 3] },
    commits: [[1, 2]],
    expected: [1, 3],
  },
  {
    name: 'an advance equal to the maximum adds nothing',
    advances: { p: [5, 5, 6, 6] },
    expected: [0, 6],
  },
  {
    name: 'lookahead 0 with no applied timestamp below u',
    lookahead: 0,
    advances: { p: range(1, 10) },
    expected: [0, 1],
  },
  {
    name: 'partitions with different lengths: the shortest maximum wins',
    lookahead: 2,
    ensure: ['a', 'b'],
    advances: { a: range(1, 10), b: range(1, 3) },
    expected: [0, 2],
  },
];

/** Per partition, each distinct timestamp in order with its applied flag: what the backend would hold. */
export function tableEntries(c: WindowTableCase): Map<string, { ts: Hlc; applied: boolean }[]> {
  const committed = (ts: Hlc): boolean =>
    (c.commits ?? []).some(
      ([min, max]) => compareHlc(toHlc(min), ts) <= 0 && compareHlc(ts, toHlc(max)) < 0,
    );
  const partitions = new Map<string, { ts: Hlc; applied: boolean }[]>();
  for (const p of c.ensure ?? []) partitions.set(p, [{ ts: HLC_ORIGIN, applied: true }]);
  for (const [p, list] of Object.entries(c.advances)) {
    const entries = partitions.get(p) ?? [];
    for (const t of list.map(toHlc)) {
      const last = entries.at(-1);
      if (!last || compareHlc(t, last.ts) > 0) entries.push({ ts: t, applied: false });
    }
    partitions.set(p, entries);
  }
  for (const entries of partitions.values()) {
    for (const e of entries) if (!e.applied) e.applied = committed(e.ts);
  }
  return partitions;
}
