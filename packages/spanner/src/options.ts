/** createSpannerAdapter's options: their defaults, in one place, and their validation. */
import {
  type CommonAdapterOptions,
  type ResolvedAdapterOptions,
  requirePositiveInteger,
  requireTablePrefix,
  resolveAdapterOptions,
  ValidationError,
} from '@checkpointkit/core';
import type { Database } from '@google-cloud/spanner';
import { type CommitStats, SPANNER_MAX_PAYLOAD_BYTES } from './limits.js';
import { DEFAULT_TABLE_PREFIX } from './schema.js';

export interface SpannerAdapterOptions extends CommonAdapterOptions {
  /** Prefix of every table and index name, `<prefix>_checkpoints` …; default "checkpointkit". */
  readonly tablePrefix?: string;
  /**
   * Called after each commit of the adapter's own transactions with its mutation count and
   * bytes, as counted against Spanner's production limits (for metrics and for tests).
   */
  readonly observeCommit?: (stats: CommitStats) => void;
  /**
   * At most this many of the adapter's read-write transactions in flight in this process; more
   * wait in a queue (see transaction-gate.ts). Default: no bound, or 1 when SPANNER_EMULATOR_HOST
   * is set, because the emulator aborts every read-write transaction that overlaps another on
   * the same database. `null`: no bound.
   */
  readonly maxConcurrentTransactions?: number | null;
}

export const SPANNER_DEFAULTS = {
  tablePrefix: DEFAULT_TABLE_PREFIX,
} as const satisfies Partial<SpannerAdapterOptions>;

export type ResolvedSpannerOptions = ResolvedAdapterOptions & {
  readonly database: Database;
  readonly tablePrefix: string;
  readonly observeCommit: ((stats: CommitStats) => void) | undefined;
  readonly maxConcurrentTransactions: number | null;
};

function isDatabase(value: unknown): value is Database {
  const db = value as Partial<Database> | null;
  return (
    typeof db === 'object' &&
    db !== null &&
    typeof db.runTransactionAsync === 'function' &&
    typeof db.run === 'function' &&
    typeof db.getSnapshot === 'function' &&
    typeof db.updateSchema === 'function'
  );
}

export function resolveSpannerOptions(
  database: unknown,
  options: SpannerAdapterOptions = {},
): ResolvedSpannerOptions {
  if (!isDatabase(database)) {
    throw new ValidationError(
      'database',
      'must be a @google-cloud/spanner Database (spanner.instance(…).database(…))',
    );
  }
  const common = resolveAdapterOptions(options);
  if (common.maxPayloadBytes > SPANNER_MAX_PAYLOAD_BYTES) {
    throw new ValidationError(
      'maxPayloadBytes',
      `is ${common.maxPayloadBytes}; on Spanner at most ${SPANNER_MAX_PAYLOAD_BYTES} (one operation checkpoint is one commit, and a commit holds 100 MiB)`,
    );
  }
  const tablePrefix = requireTablePrefix(
    'tablePrefix',
    options.tablePrefix ?? SPANNER_DEFAULTS.tablePrefix,
  );
  if (options.observeCommit !== undefined && typeof options.observeCommit !== 'function') {
    throw new ValidationError('observeCommit', 'must be a function');
  }
  const bound =
    options.maxConcurrentTransactions === undefined
      ? process.env.SPANNER_EMULATOR_HOST
        ? 1
        : null
      : options.maxConcurrentTransactions === null
        ? null
        : requirePositiveInteger(
            'maxConcurrentTransactions',
            options.maxConcurrentTransactions,
            10_000,
          );
  return {
    ...common,
    database,
    tablePrefix,
    observeCommit: options.observeCommit,
    maxConcurrentTransactions: bound,
  };
}
