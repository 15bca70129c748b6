/**
 * createSpannerAdapter: the five primitives on a Cloud Spanner database, built by core's
 * composeAdapter from this package's storage primitives. The Database is the caller's: the
 * adapter uses its session pool and never closes it.
 */
import { type Adapter, type AdapterBackends, composeAdapter } from '@checkpointkit/core';
import type { Database } from '@google-cloud/spanner';
import { spannerCheckpoints } from './checkpoints.js';
import { spannerGroups } from './groups.js';
import { spannerNodes } from './nodes.js';
import { spannerOperations } from './operations.js';
import { resolveSpannerOptions, type SpannerAdapterOptions } from './options.js';
import { applySchema, tableNames } from './schema.js';
import { spannerSessions } from './sessions.js';
import { SpannerTransactions, type SpannerTx } from './transactions.js';

export interface SpannerAdapter extends Adapter<SpannerTx> {
  /** The Database the adapter was given: read your own tables through it. */
  readonly database: Database;
  readonly tablePrefix: string;
}

/** The adapter's storage primitives, before composeAdapter turns them into the public API. */
export function spannerBackends(
  database: Database,
  options?: SpannerAdapterOptions,
): AdapterBackends<SpannerTx> & { readonly database: Database; readonly tablePrefix: string } {
  const resolved = resolveSpannerOptions(database, options);
  const spanner = new SpannerTransactions(
    resolved.database,
    resolved.retry,
    resolved.observeCommit,
    resolved.maxConcurrentTransactions,
    resolved.tablePrefix,
  );
  const tables = tableNames(resolved.tablePrefix);
  return {
    name: 'spanner',
    options: resolved,
    database: resolved.database,
    tablePrefix: resolved.tablePrefix,
    checkpoints: spannerCheckpoints(spanner, tables),
    operations: spannerOperations(spanner, tables),
    groups: spannerGroups(spanner, tables),
    sessions: spannerSessions(spanner, tables),
    nodes: spannerNodes(spanner, tables),
    transaction: (work) => spanner.write('transaction', (tx) => work(tx)),
    setup: () => applySchema(resolved.database, tables),
    // The Database (and its session pool) belongs to the caller.
    close: async () => {},
  };
}

/**
 * `createSpannerAdapter(spanner.instance('i').database('d'))`. Call `setup()` once (any process,
 * any time: it is idempotent and adds only what is missing), or apply `spannerDdl()` yourself.
 */
export function createSpannerAdapter(
  database: Database,
  options?: SpannerAdapterOptions,
): SpannerAdapter {
  const backends = spannerBackends(database, options);
  return {
    ...composeAdapter(backends),
    database: backends.database,
    tablePrefix: backends.tablePrefix,
  };
}
