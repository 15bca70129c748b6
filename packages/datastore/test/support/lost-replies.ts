/**
 * Fault injection for the conformance `faults/…` cases: the next TRANSACTIONAL commit of a client
 * that the emulator applies (one it refuses, for contention, leaves the fault armed) has its
 * reply replaced, after `between` (another writer's turn), by the error a dropped connection
 * gives (gRPC UNAVAILABLE). Non-transactional commits are the adapter's idempotent preparatory
 * writes (shards, chunks) and pass untouched.
 */
import type { ArmedFault } from '@checkpointkit/core/conformance';
import { type Datastore, v1 } from '@google-cloud/datastore';

type Callback = (error: Error | null, ...rest: unknown[]) => void;
type CommitMethod = (request: { mode?: string }, options?: unknown, callback?: Callback) => unknown;

interface GapicClients {
  readonly clients_: Map<string, Record<string, unknown>>;
  readonly options: Record<string, unknown>;
}

function gapicClient(datastore: Datastore): Record<string, unknown> {
  const { clients_, options } = datastore as unknown as GapicClients;
  let client = clients_.get('DatastoreClient');
  if (!client) {
    client = new v1.DatastoreClient(
      options as ConstructorParameters<typeof v1.DatastoreClient>[0],
    ) as unknown as Record<string, unknown>;
    clients_.set('DatastoreClient', client);
  }
  return client;
}

export function loseNextCommitReply(
  datastore: Datastore,
  options: { between?: () => Promise<void> } = {},
): ArmedFault {
  const client = gapicClient(datastore);
  const original = client.commit as CommitMethod;
  let fired = false;
  const lossy: CommitMethod = (request, callOptions, callback) => {
    if (request.mode !== 'TRANSACTIONAL' || typeof callback !== 'function') {
      return original.call(client, request, callOptions, callback);
    }
    client.commit = original;
    (original.call(client, request, callOptions) as Promise<unknown>).then(
      async () => {
        fired = true;
        await options.between?.();
        const lost = Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 });
        callback(lost);
      },
      (error: Error) => {
        // Not applied (contention, typically): the fault waits for the next commit that is.
        if (!fired) client.commit = lossy;
        callback(error);
      },
    );
    return undefined;
  };
  client.commit = lossy;
  return { fired: () => fired };
}
