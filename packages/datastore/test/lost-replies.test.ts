/**
 * Lost commit replies, settled by reading back the attempt's writeId (src/connection.ts): where
 * the record still carries it, the call succeeds; where another writer moved it on, the call
 * ends as OutcomeUnknownError (never retryable) and the other writer's write stands. The faults
 * are injected on the client's commit RPC after the emulator applied it (support/lost-replies.ts).
 */
import { OutcomeUnknownError, utf8Decode, utf8Encode } from '@checkpointkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatastoreAdapter, type DatastoreAdapter } from '../src/index.js';
import { deleteNamespace, newClient, uniqueNamespace } from './support/clients.js';
import { loseNextCommitReply } from './support/lost-replies.js';

const TTL = { ttlMs: 3_600_000 };

describe('lost commit replies', () => {
  const namespace = uniqueNamespace('lost-replies');
  const client = newClient({ namespace });
  let a: DatastoreAdapter;
  let b: DatastoreAdapter;

  beforeAll(async () => {
    a = createDatastoreAdapter(client);
    b = createDatastoreAdapter(newClient({ namespace }));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteNamespace(client, namespace);
  });

  it('runOnce: settled as ran, its work committed once', async () => {
    const key = { project: 'p', resourceId: 'r', processId: 'step', uniquifier: 'run-once' };
    const fault = loseNextCommitReply(client);
    let calls = 0;
    const result = await a.checkpoints.runOnce(key, TTL, async () => {
      calls++;
      return 'done';
    });
    expect(fault.fired(), 'the reply was lost').toBe(true);
    expect(result, 'settled by the read-back: it ran').toEqual({ ran: true, value: 'done' });
    expect(calls, 'work ran once').toBe(1);
  });

  it('operation checkpoint: settled with its id, even with another checkpoint behind it', async () => {
    const op = a.operations.open('import');
    const fault = loseNextCommitReply(client, {
      between: async () => {
        await b.operations.open('import').checkpoint('other', utf8Encode('b'));
      },
    });
    const id = await op.checkpoint('mine', utf8Encode('a'));
    expect(fault.fired(), 'the reply was lost').toBe(true);
    expect((await op.load(id)).label, 'its id holds it').toBe('mine');
    expect((await op.list()).length, 'stored once, next to the other').toBe(2);
  });

  it('advance and node run: settled when nothing moved them on', async () => {
    const group = await a.groups.start('orders', { pollIntervalMs: 60_000 });
    await group.ensure(['p1']);
    let fault = loseNextCommitReply(client);
    await group.advance('p1', { nanos: 10n, logical: 0 });
    expect(fault.fired()).toBe(true);
    await group.stop();

    const node = a.nodes<{ n: number }>().for('pool');
    await node.create({ n: 0 });
    fault = loseNextCommitReply(client);
    expect((await node.run((s) => ({ n: s.n + 1 }))).generation, 'settled as committed').toBe(2);
    expect(fault.fired()).toBe(true);
    expect((await b.nodes<{ n: number }>().new('pool').get()).n).toBe(1);
  });

  it('session KV set: unknown when a later writer moved the value on, which stands', async () => {
    const kv = a.sessions.kv('ns');
    const fault = loseNextCommitReply(client, {
      between: () => b.sessions.kv('ns').set('k', utf8Encode('later')),
    });
    const error = await kv.set('k', utf8Encode('mine')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(fault.fired()).toBe(true);
    expect(error, 'the outcome cannot be told from the later write').toBeInstanceOf(
      OutcomeUnknownError,
    );
    expect((error as OutcomeUnknownError).retryable, 'never retryable').toBe(false);
    expect(utf8Decode((await kv.get('k')) as Uint8Array), 'the later write stands').toBe('later');
  });
});
