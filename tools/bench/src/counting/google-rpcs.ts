/**
 * Counts the data-plane RPCs a Google Cloud client sends (Spanner: ExecuteStreamingSql,
 * BeginTransaction, Commit, …; Datastore: Lookup, RunQuery, BeginTransaction, Commit, …): every
 * request the client prepares for its gapic client is one. The wrapper sits on one client
 * instance, which ours and the raw baseline share, so both pay it alike. Admin RPCs (creating the
 * instance and the database) go through other gapic clients and are not counted.
 */
import type { Datastore } from '@google-cloud/datastore';
import { v1 as datastoreV1 } from '@google-cloud/datastore';
import type { Spanner } from '@google-cloud/spanner';

export interface RpcCounter {
  /** RPCs sent so far. */
  read(): number;
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
  let rpcs = 0;
  client.prepareGapicRequest_ = (config, callback) => {
    if (config.client === 'SpannerClient') rpcs++;
    prepare(config, callback);
  };
  return { read: () => rpcs };
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
  let rpcs = 0;
  for (const method of DATASTORE_METHODS) {
    const original = gapic[method] as (...args: unknown[]) => unknown;
    const target = gapic;
    target[method] = (...args: unknown[]) => {
      rpcs++;
      return original.apply(target, args);
    };
  }
  return { read: () => rpcs };
}
