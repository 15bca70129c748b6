/**
 * Counts the data-plane RPCs a Google Cloud client sends (Spanner: ExecuteStreamingSql,
 * BeginTransaction, Commit, …; Datastore: Lookup, RunQuery, BeginTransaction, Commit, …): every
 * request the client prepares for its gapic client is one. Per method too, with the time until
 * the reply where the call answers through a callback (every Datastore RPC, Spanner's unary ones;
 * Spanner's streamed queries are counted, not timed). The wrapper sits on one client instance,
 * which ours and the raw baseline share, so both pay it alike. Admin RPCs (creating the instance
 * and the database) go through other gapic clients and are not counted.
 */
import type { Datastore } from '@google-cloud/datastore';
import { v1 as datastoreV1 } from '@google-cloud/datastore';
import type { Spanner } from '@google-cloud/spanner';

export interface RpcMethodTotals {
  readonly calls: number;
  /** Calls whose reply was timed, and their total time until the reply. */
  readonly timedCalls: number;
  readonly ms: number;
}

export interface RpcCounter {
  /** RPCs sent so far. */
  read(): number;
  /** The totals so far per method, e.g. "commit". */
  methods(): ReadonlyMap<string, RpcMethodTotals>;
}

type Callback = (...args: unknown[]) => unknown;

/** Per-method totals, and a wrapper that times a call's reply through its callback argument. */
function methodTotals(): {
  counter: RpcCounter;
  call(method: string, args: unknown[]): unknown[];
} {
  const totals = new Map<string, { calls: number; timedCalls: number; ms: number }>();
  let rpcs = 0;
  return {
    counter: {
      read: () => rpcs,
      methods: () => new Map([...totals].map(([method, t]) => [method, { ...t }])),
    },
    call(method, args) {
      rpcs++;
      let entry = totals.get(method);
      if (!entry) {
        entry = { calls: 0, timedCalls: 0, ms: 0 };
        totals.set(method, entry);
      }
      entry.calls++;
      const index = args.findIndex((arg) => typeof arg === 'function');
      if (index === -1) return args;
      const startedMs = performance.now();
      const callback = args[index] as Callback;
      const timed = [...args];
      const totalsOfMethod = entry;
      timed[index] = (...reply: unknown[]) => {
        totalsOfMethod.timedCalls++;
        totalsOfMethod.ms += performance.now() - startedMs;
        return callback(...reply);
      };
      return timed;
    },
  };
}

/** What one call of `op` sends, from two readings of the counter: "Lookup 2 × 6.5 ms, …". */
export function rpcBreakdown(
  before: ReadonlyMap<string, RpcMethodTotals>,
  after: ReadonlyMap<string, RpcMethodTotals>,
  operations: number,
): string {
  const parts: string[] = [];
  for (const [method, total] of after) {
    const earlier = before.get(method) ?? { calls: 0, timedCalls: 0, ms: 0 };
    const calls = total.calls - earlier.calls;
    if (calls === 0) continue;
    const perOp = calls / operations;
    const timedCalls = total.timedCalls - earlier.timedCalls;
    const name = method.charAt(0).toUpperCase() + method.slice(1);
    const count = Number.isInteger(perOp) ? String(perOp) : perOp.toFixed(2);
    parts.push(
      timedCalls > 0
        ? `${name} ${count} × ${((total.ms - earlier.ms) / timedCalls).toFixed(1)} ms`
        : `${name} ${count}`,
    );
  }
  return `RPCs/op: ${parts.join(', ')}`;
}

interface GapicRequestConfig {
  readonly client: string;
  readonly method: string;
}

type PrepareRequest = (config: GapicRequestConfig, callback: unknown) => void;

/**
 * Spanner: `Spanner#request` and `#requestStream` (bound into every Instance, Database, Session
 * and Transaction of the client) prepare each call with `prepareGapicRequest_` on the client.
 */
export function countSpannerRpcs(spanner: Spanner): RpcCounter {
  const client = spanner as unknown as { prepareGapicRequest_: PrepareRequest };
  const prepare = client.prepareGapicRequest_.bind(spanner);
  const totals = methodTotals();
  client.prepareGapicRequest_ = (config, callback) => {
    if (config.client !== 'SpannerClient') return prepare(config, callback);
    // The prepared call runs once, with the reply's callback for unary RPCs, none for streams.
    prepare(config, (error: unknown, requestFn: Callback | undefined) =>
      (callback as Callback)(
        error,
        requestFn && ((...args: unknown[]) => requestFn(...totals.call(config.method, args))),
      ),
    );
  };
  return totals.counter;
}

/** The data-plane methods of Datastore's gapic client. */
const DATASTORE_METHODS = [
  'lookup',
  'runQuery',
  'runAggregationQuery',
  'beginTransaction',
  'commit',
  'rollback',
  'allocateIds',
  'reserveIds',
] as const;

interface DatastoreGapicClients {
  readonly clients_: Map<string, Record<string, unknown>>;
  readonly options: Record<string, unknown>;
}

/**
 * Datastore: the client and its Transactions look the gapic client up in `clients_` for every
 * call (made there on first use); it is made here first, with the same options, and its
 * methods counted.
 */
export function countDatastoreRpcs(datastore: Datastore): RpcCounter {
  const { clients_, options } = datastore as unknown as DatastoreGapicClients;
  let gapic = clients_.get('DatastoreClient');
  if (!gapic) {
    gapic = new datastoreV1.DatastoreClient(
      options as ConstructorParameters<typeof datastoreV1.DatastoreClient>[0],
    ) as unknown as Record<string, unknown>;
    clients_.set('DatastoreClient', gapic);
  }
  const totals = methodTotals();
  const target = gapic;
  for (const method of DATASTORE_METHODS) {
    const original = target[method] as Callback;
    target[method] = (...args: unknown[]) => original.apply(target, totals.call(method, args));
  }
  return totals.counter;
}
