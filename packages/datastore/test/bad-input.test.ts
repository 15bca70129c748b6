/**
 * Datastore-specific bad input: typed errors naming the field, and nothing written. (The
 * contract's own validation cases run in the conformance suite.)
 */
import { PayloadTooLargeError, ValidationError } from '@checkpointkit/core';
import type { Datastore } from '@google-cloud/datastore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatastoreAdapter,
  type DatastoreAdapter,
  datastoreIndexYaml,
  MAX_ENTITY_BYTES,
} from '../src/index.js';
import { deleteNamespace, newClient, uniqueNamespace } from './support/clients.js';
import { meterRequests } from './support/request-meter.js';

const key = { project: 'p', resourceId: 'r', processId: 'step', uniquifier: 'u' };

async function entitiesIn(datastore: Datastore, namespace: string): Promise<number> {
  const [entities] = await datastore.runQuery(
    datastore.createQuery(namespace, []).select('__key__'),
  );
  return entities.length;
}

function expectValidation(call: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `ValidationError naming ${field}`).toBeInstanceOf(ValidationError);
  expect((thrown as ValidationError).field).toBe(field);
}

describe('createDatastoreAdapter options', () => {
  it('refuses what is not a Datastore client', () => {
    expectValidation(() => createDatastoreAdapter({} as Datastore), 'datastore');
    expectValidation(() => createDatastoreAdapter(null as unknown as Datastore), 'datastore');
  });

  it('validates kindPrefix, namespace, maxPayloadBytes, clock and retry', () => {
    const client = newClient();
    expectValidation(() => createDatastoreAdapter(client, { kindPrefix: '' }), 'kindPrefix');
    expectValidation(() => createDatastoreAdapter(client, { kindPrefix: '__x' }), 'kindPrefix');
    expectValidation(() => createDatastoreAdapter(client, { kindPrefix: 'a b' }), 'kindPrefix');
    expectValidation(() => createDatastoreAdapter(client, { namespace: '__ns__' }), 'namespace');
    expectValidation(() => createDatastoreAdapter(client, { namespace: 'a/b' }), 'namespace');
    expectValidation(
      () => createDatastoreAdapter(client, { namespace: 'x'.repeat(101) }),
      'namespace',
    );
    expectValidation(
      () => createDatastoreAdapter(client, { maxPayloadBytes: 0 }),
      'maxPayloadBytes',
    );
    expectValidation(
      () => createDatastoreAdapter(client, { clock: 5 as unknown as () => number }),
      'clock',
    );
    expectValidation(
      () => createDatastoreAdapter(client, { retry: { maxAttempts: 0 } }),
      'retry.maxAttempts',
    );
  });

  it('exports the composite indexes for the chosen kind prefix', () => {
    const yaml = datastoreIndexYaml('myapp');
    expect(yaml).toContain('kind: myapp_GroupTimestamp');
    expect(yaml.match(/- kind:/g)?.length, 'two composite indexes').toBe(2);
  });
});

describe('bad input against the emulator writes nothing', () => {
  const namespace = uniqueNamespace('bad-input');
  const client = newClient({ namespace });
  let adapter: DatastoreAdapter;

  beforeAll(async () => {
    adapter = createDatastoreAdapter(client);
    await adapter.setup();
  });
  afterAll(async () => {
    await adapter.close();
    await deleteNamespace(client, namespace);
  });

  it('(control) the entity count used below sees what is written', async () => {
    const k = client.key({ namespace, path: ['Control', 'one'] });
    await client.save({ key: k, data: { v: 1 } });
    expect(await entitiesIn(client, namespace), 'one entity written').toBe(1);
    await client.delete(k);
    expect(await entitiesIn(client, namespace), 'and deleted').toBe(0);
  });

  it('insertIn refuses a Tx that is not a running Datastore Transaction', async () => {
    for (const tx of [client, {}, null, client.transaction({ readOnly: true })]) {
      await expect(
        adapter.checkpoints.insertIn(tx as never, key, { ttlMs: 1000 }),
        'insertIn(tx): ValidationError naming tx',
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'tx' });
    }
    expect(await entitiesIn(client, namespace), 'nothing written').toBe(0);
  });

  it('a transaction over the 500-mutation commit limit fails before sending, writing nothing', async () => {
    await expect(
      adapter.transaction(async (tx) => {
        for (let i = 0; i < 501; i++) {
          tx.save({ key: client.key({ namespace, path: ['Mine', `k${i}`] }), data: { i } });
        }
      }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await entitiesIn(client, namespace), 'nothing written').toBe(0);
  });

  it('a transaction over the 4 MiB request limit fails before sending, writing nothing', async () => {
    const value = Buffer.alloc(900_000, 1);
    await expect(
      adapter.transaction(async (tx) => {
        for (let i = 0; i < 5; i++) {
          tx.save({
            key: client.key({ namespace, path: ['Mine', `big${i}`] }),
            data: [{ name: 'v', value, excludeFromIndexes: true }],
          });
        }
      }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await entitiesIn(client, namespace), 'nothing written').toBe(0);
  });

  it('a session whose changes cannot be one commit is refused with PayloadTooLargeError', async () => {
    const dataset = adapter.sessions.committable('big');
    await dataset.begin(new Uint8Array([1]));
    for (let i = 0; i < 5; i++) await dataset.set(`k${i}`, new Uint8Array(900_000));
    await expect(dataset.commit(new Uint8Array([1]))).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await dataset.keys(), 'nothing applied').toEqual([]);
    expect(await dataset.marker(), 'no marker').toBeNull();
  });

  it('the request meter sees what the emulator lets through (an entity over the production limit)', async () => {
    // Proves the meter of large-state.test.ts can fail: the emulator accepts this entity.
    const raw = newClient({ namespace });
    const meter = meterRequests(raw);
    const k = raw.key({ namespace, path: ['Unchecked', 'x'] });
    await raw.save({
      key: k,
      data: [
        { name: 'a', value: Buffer.alloc(800_000), excludeFromIndexes: true },
        { name: 'b', value: Buffer.alloc(300_000), excludeFromIndexes: true },
      ],
    });
    expect(
      Math.max(...meter.requests.map((r) => r.largestMutationBytes)),
      'the meter measured the oversized entity',
    ).toBeGreaterThan(MAX_ENTITY_BYTES);
    await raw.delete(k);
  });
});
