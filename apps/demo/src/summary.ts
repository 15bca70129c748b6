/**
 * The end of a run: everything the pipeline wrote, read back from each store and checked against
 * the totals computed straight from the stream.
 */
import { sha256Hex, utf8Decode, utf8Encode } from '@checkpointkit/core';
import type { DemoBackend } from './backends/backend.js';
import { GROUP, TOTALS_NODE, type TotalsState, type WorkerState } from './pipeline.js';
import { expectedTotals, type OrderStream, type ShopTotal } from './stream.js';

export interface ShopRow {
  readonly shop: string;
  readonly expected: ShopTotal;
  /** The orders' effects, written run-once. */
  readonly effects: ShopTotal;
  /** The node-state aggregate. */
  readonly nodeState: ShopTotal;
  /** The session-written per-shop index. */
  readonly index: ShopTotal;
  readonly ok: boolean;
}

export interface DemoSummary {
  readonly backend: string;
  readonly events: number;
  readonly partitions: number;
  readonly appliedEvents: number;
  readonly windows: number;
  readonly ledger: ShopTotal;
  readonly shops: readonly ShopRow[];
  /** sha256 of the final node state (canonical JSON). */
  readonly stateChecksum: string;
  /** The node state's generation (one per run that changed it) and how many shards it spans. */
  readonly stateGeneration: number;
  readonly stateShards: number;
  readonly sessionIds: readonly string[];
  readonly ok: boolean;
}

const ZERO: ShopTotal = { count: 0, amountCents: 0 };
const same = (a: ShopTotal, b: ShopTotal): boolean =>
  a.count === b.count && a.amountCents === b.amountCents;

export async function summarize<Tx>(
  backend: DemoBackend<Tx>,
  stream: OrderStream,
  state: WorkerState,
): Promise<DemoSummary> {
  const { adapter } = backend;
  const expected = expectedTotals(stream);
  const effects = await backend.effectTotals([...stream.byPartition.values()].flat());
  // A store with an empty cache reads every shard once: its shardReads is the shard count.
  const totalsStore = adapter.nodes<TotalsState>().new(TOTALS_NODE);
  const nodeState = await totalsStore.get();
  const index = adapter.sessions.committable('shop-index');
  const ledger = adapter.sessions.committable('ledger');
  const ledgerTotal = { count: 0, amountCents: 0 };
  for (const key of await ledger.keys()) {
    const entry = JSON.parse(utf8Decode((await ledger.get(key)) as Uint8Array)) as {
      events: number;
      amountCents: number;
    };
    ledgerTotal.count += entry.events;
    ledgerTotal.amountCents += entry.amountCents;
  }
  const shops = [
    ...new Set([...expected.keys(), ...effects.keys(), ...Object.keys(nodeState.shops)]),
  ].sort();
  const rows: ShopRow[] = [];
  for (const shop of shops) {
    const indexed = await index.get(shop);
    const row = {
      shop,
      expected: expected.get(shop) ?? ZERO,
      effects: effects.get(shop) ?? ZERO,
      nodeState: nodeState.shops[shop]
        ? { count: nodeState.shops[shop].count, amountCents: nodeState.shops[shop].amountCents }
        : ZERO,
      index: indexed ? (JSON.parse(utf8Decode(indexed)) as ShopTotal) : ZERO,
    };
    rows.push({
      ...row,
      ok:
        same(row.expected, row.effects) &&
        same(row.expected, row.nodeState) &&
        same(row.expected, row.index),
    });
  }
  const events = [...expected.values()].reduce((n, t) => n + t.count, 0);
  const expectedAmount = [...expected.values()].reduce((n, t) => n + t.amountCents, 0);
  const appliedEvents = [...effects.values()].reduce((n, t) => n + t.count, 0);
  const unresolved = (await adapter.groups.scanUnresolved()).includes(GROUP);
  return {
    backend: backend.name,
    events,
    partitions: stream.partitions.length,
    appliedEvents,
    windows: state.windows,
    ledger: ledgerTotal,
    shops: rows,
    stateChecksum: sha256Hex(utf8Encode(canonicalJson(nodeState))),
    stateGeneration: totalsStore.generation,
    stateShards: totalsStore.stats.shardReads,
    sessionIds: state.sessionIds,
    ok:
      !unresolved &&
      rows.every((r) => r.ok) &&
      appliedEvents === events &&
      same(ledgerTotal, { count: events, amountCents: expectedAmount }),
  };
}

/** JSON with object keys sorted, so equal states give equal checksums. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** The summary as a table, one row per shop, checked against the independently computed totals. */
export function formatSummary(summary: DemoSummary): string {
  const money = (cents: number): string => (cents / 100).toFixed(2);
  const cell = (t: ShopTotal): string => `${t.count} / ${money(t.amountCents)}`;
  const header = [
    'shop',
    'expected (orders / total)',
    'effects (run-once)',
    'node state',
    'session index',
    '',
  ];
  const body = summary.shops.map((r) => [
    r.shop,
    cell(r.expected),
    cell(r.effects),
    cell(r.nodeState),
    cell(r.index),
    r.ok ? 'ok' : 'MISMATCH',
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `backend ${summary.backend}: ${summary.appliedEvents}/${summary.events} orders applied exactly once across ${summary.partitions} partitions, ` +
      `${summary.windows} windows, ${summary.sessionIds.length} commit sessions`,
    `ledger: ${cell(summary.ledger)}   node state: generation ${summary.stateGeneration}, ` +
      `${summary.stateShards} shards, sha256 ${summary.stateChecksum.slice(0, 16)}…`,
    summary.ok
      ? 'result: every store agrees with the expected totals'
      : 'result: MISMATCH — see the rows above',
  ].join('\n');
}
