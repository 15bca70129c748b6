/**
 * A checkpoint-group refresh costs a few small queries per partition, whatever the length of the
 * history (docs/contract.md, §3: "refreshing must not scan the whole history"): counted on the
 * wire, the same number of queries for 10 and for 150 timestamps per partition — at most five per partition and
 * one to list the partitions — each with `limit 1`.
 */
import { hlc } from '@checkpointkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatastoreAdapter, type DatastoreAdapter } from '../src/index.js';
import { deleteNamespace, newClient, uniqueNamespace } from './support/clients.js';
import { meterRequests } from './support/request-meter.js';

describe('group refresh cost', () => {
  const namespace = uniqueNamespace('refresh-cost');
  const client = newClient({ namespace });
  const meter = meterRequests(client);
  let adapter: DatastoreAdapter;

  beforeAll(async () => {
    adapter = createDatastoreAdapter(client);
  });
  afterAll(async () => {
    await adapter.close();
    await deleteNamespace(client, namespace);
  });

  /** Queries of one refresh of a group whose partitions each hold `length` timestamps. */
  async function refreshRequests(name: string, length: number): Promise<number> {
    const group = await adapter.groups.start(name, { pollIntervalMs: 60_000, lookahead: 2 });
    await group.ensure(['p1', 'p2']);
    for (let ts = 1; ts <= length; ts++) {
      await group.advance('p1', hlc(ts));
      await group.advance('p2', hlc(ts));
    }
    // Everything applied but the last two: the same shape of window for every length.
    await group.commit({ min: hlc(0), max: hlc(length - 1) });
    meter.requests.length = 0;
    const window = await group.refresh();
    // A refresh is one read-only transaction of queries; a background refresh (core starts one
    // after a local write) may run next to ours, so count per transaction.
    const perRefresh = new Map<string, number>();
    for (const r of meter.requests) {
      if (r.method === 'runQuery' && r.transaction !== null) {
        perRefresh.set(r.transaction, (perRefresh.get(r.transaction) ?? 0) + 1);
      }
    }
    expect(perRefresh.size, 'the meter saw the refresh transaction').toBeGreaterThan(0);
    const queries = Math.max(...perRefresh.values());
    expect(queries, 'a refresh reads by query').toBeGreaterThan(0);
    await group.stop();
    expect(window.min, '§3 the window starts at the last applied timestamp').toEqual(
      hlc(length - 2),
    );
    expect(queries, '§3 a few small queries per partition, one to list them').toBeLessThanOrEqual(
      2 * 5 + 1,
    );
    return queries;
  }

  // 15 times the history; every advance is a transaction on the emulator (slow on a busy machine).
  it('the same queries for 10 and for 150 timestamps per partition', {
    timeout: 300_000,
  }, async () => {
    const short = await refreshRequests('short', 10);
    const long = await refreshRequests('long', 150);
    expect(long, `§3 refresh queries: ${short} for 10 timestamps, ${long} for 150`).toBe(short);
  });
});
