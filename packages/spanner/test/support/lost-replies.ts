/**
 * Fault injection for the conformance `faults/…` cases: the next committing Commit RPC of one
 * Spanner client that the emulator applies (one it aborts leaves the fault armed), then (after
 * `between`, another writer's turn) its reply is replaced by the error a dropped connection
 * gives (gRPC UNAVAILABLE). Commits that only upsert node shards are the adapter's idempotent preparatory
 * writes (a shard is useful to nobody until a root names it) and pass untouched.
 */
import type { ArmedFault } from '@checkpointkit/core/conformance';
import type { Spanner } from '@google-cloud/spanner';

type Callback = (error: Error | null, ...rest: unknown[]) => void;
type CommitMethod = (request: CommitRequest, options?: unknown, callback?: Callback) => unknown;

interface CommitRequest {
  readonly mutations?: readonly Record<string, { table?: string } | undefined>[];
}

interface GapicClients {
  readonly clients_: Map<string, Record<string, unknown>>;
  readonly options: Record<string, unknown>;
}

/** A commit that only writes node shards: preparatory, idempotent. */
function preparatory(request: CommitRequest): boolean {
  const mutations = request.mutations ?? [];
  return (
    mutations.length > 0 &&
    mutations.every((m) => m.insertOrUpdate?.table?.endsWith('_node_shards') === true)
  );
}

async function gapicClient(spanner: Spanner): Promise<Record<string, unknown>> {
  const { clients_ } = spanner as unknown as GapicClients;
  const client = clients_.get('SpannerClient');
  if (!client) throw new Error('loseNextReply: the Spanner client has made no request yet');
  return client;
}

export async function loseNextCommitReply(
  spanner: Spanner,
  options: { between?: () => Promise<void> } = {},
): Promise<ArmedFault> {
  const client = await gapicClient(spanner);
  const original = client.commit as CommitMethod;
  let fired = false;
  const lossy: CommitMethod = (request, callOptions, callback) => {
    if (preparatory(request)) return original.call(client, request, callOptions, callback);
    client.commit = original;
    const outcome = (original.call(client, request, callOptions) as Promise<unknown>).then(
      async () => {
        fired = true;
        await options.between?.();
        throw Object.assign(new Error('14 UNAVAILABLE: Connection dropped (injected)'), {
          code: 14,
        });
      },
      (error: unknown) => {
        // Not applied (an abort, e.g. by --enable_fault_injection): the fault waits for the
        // next committing request, the retry's.
        client.commit = lossy;
        throw error;
      },
    );
    if (typeof callback !== 'function') return outcome;
    outcome.then(
      (response) => callback(null, response),
      (error: Error) => callback(error),
    );
    return undefined;
  };
  client.commit = lossy;
  return { fired: () => fired };
}
