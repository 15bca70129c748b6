/**
 * Measures every request a Datastore client sends, at the gapic layer, as serialized on the wire
 * (the gRPC service's own request serializer): bytes, mutations per commit, keys per lookup, and
 * the size of each mutation on its own. Tests assert the production limits on these numbers,
 * not on what the emulator happens to accept.
 */
import { type Datastore, v1 } from '@google-cloud/datastore';

export interface MeteredRequest {
  readonly method: 'commit' | 'lookup' | 'runQuery' | 'beginTransaction' | 'rollback';
  readonly bytes: number;
  readonly mutations: number;
  readonly keys: number;
  /** Serialized size of the largest single mutation (its entity with key and property names). */
  readonly largestMutationBytes: number;
  /** The transaction a read or commit belongs to (base64), if any. */
  readonly transaction: string | null;
}

function transactionOf(request: Record<string, unknown>): string | null {
  const id =
    (request.readOptions as { transaction?: unknown } | undefined)?.transaction ??
    request.transaction;
  return id instanceof Uint8Array ? Buffer.from(id).toString('base64') : null;
}

type Method = (request: Record<string, unknown>, ...rest: unknown[]) => unknown;
type Serializers = Record<string, { requestSerialize(request: unknown): Buffer }>;

const METHODS = ['commit', 'lookup', 'runQuery', 'beginTransaction', 'rollback'] as const;
const RPC_NAMES: Record<(typeof METHODS)[number], string> = {
  commit: 'Commit',
  lookup: 'Lookup',
  runQuery: 'RunQuery',
  beginTransaction: 'BeginTransaction',
  rollback: 'Rollback',
};

export function meterRequests(datastore: Datastore): { readonly requests: MeteredRequest[] } {
  const internals = datastore as unknown as {
    clients_: Map<string, Record<string, unknown>>;
    options: ConstructorParameters<typeof v1.DatastoreClient>[0];
  };
  let client = internals.clients_.get('DatastoreClient');
  if (!client) {
    client = new v1.DatastoreClient(internals.options) as unknown as Record<string, unknown>;
    internals.clients_.set('DatastoreClient', client);
  }
  const protos = client._protos as {
    google: { datastore: { v1: { Datastore: { service: Serializers } } } };
  };
  const serializers = protos.google.datastore.v1.Datastore.service;
  const requests: MeteredRequest[] = [];
  for (const method of METHODS) {
    const serialize = serializers[RPC_NAMES[method]] as Serializers[string];
    const original = client[method] as Method;
    const target = client;
    target[method] = (request: Record<string, unknown>, ...rest: unknown[]) => {
      const mutations = (request.mutations as unknown[] | undefined) ?? [];
      requests.push({
        method,
        bytes: serialize.requestSerialize(request).length,
        mutations: mutations.length,
        keys: ((request.keys as unknown[] | undefined) ?? []).length,
        transaction: transactionOf(request),
        largestMutationBytes: Math.max(
          0,
          ...mutations.map(
            (mutation) =>
              serialize.requestSerialize({ projectId: request.projectId, mutations: [mutation] })
                .length,
          ),
        ),
      });
      return original.call(target, request, ...rest);
    };
  }
  return { requests };
}
