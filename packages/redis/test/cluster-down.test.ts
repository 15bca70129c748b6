// A Cluster that goes down under the adapter: a master is killed and the others mark the Cluster
// failed (cluster_state:fail). ioredis resends a command after a closed connection or a
// CLUSTERDOWN reply and, after maxRedirections tries, gives up with "Too many Cluster
// redirections". One of those tries may have reached Redis before its reply was lost, so a write
// must end as the contract's third ending — OutcomeUnknownError, once Redis stayed unreachable
// for settleTimeoutMs — and never as a plain, non-retryable BackendError that says nothing of
// whether it was applied. A read is a retryable BackendError.
//
// Found on a loaded CI machine, where the lost-reply conformance run on the Cluster (reject mode)
// got "session-kv-write: Too many Cluster redirections" as a non-retryable BackendError for a set
// that had been applied.
import { BackendError, OutcomeUnknownError, utf8Encode } from '@checkpointkit/core';
import {
  makeTempDir,
  type RedisCluster,
  rawCommand,
  removeDir,
  startCluster,
} from '@checkpointkit/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail while the Cluster is down'),
    (error: unknown) => error,
  );
}

describe('a Cluster that goes down (a master killed, cluster_state:fail)', () => {
  const dir = makeTempDir('cluster-down');
  let cluster: RedisCluster | undefined;
  let adapter: RedisAdapter;

  beforeAll(async () => {
    // A short node timeout, so that the Cluster is marked failed within seconds.
    cluster = await startCluster(dir, 3, { nodeTimeoutMs: 1000 });
    adapter = createRedisAdapter({ cluster: [...cluster.nodes] }, { settleTimeoutMs: 1000 });
    await adapter.setup();
    await adapter.sessions.kv('ns').set('k', utf8Encode('before'));

    const [dead, witness] = cluster.servers;
    await dead?.kill();
    const deadline = Date.now() + 60_000;
    while (
      !(await rawCommand(witness?.port ?? 0, 'CLUSTER', 'INFO')).includes('cluster_state:fail')
    ) {
      if (Date.now() > deadline) throw new Error('the Cluster was not marked failed within 60 s');
      await sleep(100);
    }
  });

  afterAll(async () => {
    await adapter?.close();
    await cluster?.stop();
    removeDir(dir);
  });

  it('a write ends as OutcomeUnknownError (never a plain BackendError); a read is retryable', async () => {
    const write = await failure(adapter.sessions.kv('ns').set('k', utf8Encode('after')));
    expect(write, String(write)).toBeInstanceOf(OutcomeUnknownError);

    const insert = await failure(
      adapter.checkpoints.tryInsert(
        { project: 'p', resourceId: 'r', processId: 'down', uniquifier: 'u' },
        { ttlMs: 60_000 },
      ),
    );
    expect(insert, String(insert)).toBeInstanceOf(OutcomeUnknownError);

    const read = await failure(adapter.sessions.kv('ns').get('k'));
    expect(read, String(read)).toBeInstanceOf(BackendError);
    expect((read as BackendError).retryable, String(read)).toBe(true);
  });
});
