/**
 * What the parent asks a node-state child to run, and what the child reports back. Each child
 * runs one side of one scenario and nothing else, so that its peak RSS is that side's.
 */
import type { TimedRun } from '../measure/timed-run.js';

export type NodeScenario =
  /** `get()` when nothing changed: the cache answers after one root read. */
  | { readonly kind: 'cached-get'; readonly sizeMiB: number }
  /** `get()` on a fresh store: the whole state read from the backend. */
  | { readonly kind: 'full-load'; readonly sizeMiB: number }
  /** `run()` that flips one byte at a random offset. */
  | { readonly kind: 'edit'; readonly sizeMiB: number };

export type NodeBackendName = 'sqlite' | 'redis';
export type NodeSideName = 'ours' | 'baseline';

export interface NodeTask {
  readonly backend: NodeBackendName;
  readonly side: NodeSideName;
  readonly scenario: NodeScenario;
  /** SQLite: a fresh file for this child. */
  readonly sqlitePath: string;
  /** Redis: the bench's server; keys are prefixed per task. */
  readonly redisPort: number;
  readonly keyPrefix: string;
  readonly runMs: number;
  readonly minOperations: number;
}

/** Counters a side keeps across the timed run; the child reports their per-operation deltas. */
export interface NodeCounters {
  readonly rootReads: number;
  readonly shardReads: number;
  readonly shardsWritten: number;
  readonly bytesWritten: number;
}

export interface NodeTaskResult {
  readonly run: TimedRun;
  /** Redis round trips per operation (SQLite: null, see the suite). */
  readonly requestsPerOp: number | null;
  readonly perOp: NodeCounters;
  readonly stateBytes: number;
  readonly shardCount: number | null;
  readonly maxRssBytes: number;
}

/** A side ready to time in the child. */
export interface PreparedNodeSide {
  readonly op: () => Promise<unknown>;
  readonly counters: () => NodeCounters;
  readonly shardCount: number | null;
  /** Redis round trips so far; absent where not counted. */
  readonly roundTrips?: () => number;
  close(): Promise<void>;
}

export const MIB = 1024 * 1024;

export function scenarioName(scenario: NodeScenario): string {
  switch (scenario.kind) {
    case 'cached-get':
      return `\`get\`, cache hit (${scenario.sizeMiB} MiB state)`;
    case 'full-load':
      return `full load of ${scenario.sizeMiB} MiB`;
    case 'edit':
      return `1-byte edit of ${scenario.sizeMiB} MiB (\`run\`)`;
  }
}
