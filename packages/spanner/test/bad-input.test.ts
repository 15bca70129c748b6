// Bad input fails with a typed error naming the field, and writes nothing: the factory's options,
// the DDL prefix, a foreign Tx, a schema that is not set up, and a commit over Spanner's
// production mutation limit (which the emulator would have accepted).
import {
  MultiCommitter,
  PayloadTooLargeError,
  SchemaNotReadyError,
  ValidationError,
} from '@checkpointkit/core';
import type { Database } from '@google-cloud/spanner';
import { describe, expect, inject, it } from 'vitest';
import {
  createSpannerAdapter,
  MAX_MUTATIONS_PER_COMMIT,
  SPANNER_MAX_PAYLOAD_BYTES,
  spannerDdl,
} from '../src/index.js';
import { createTestDatabase } from './support/emulator.js';

const hostPort = inject('spanner').plain;

function validationField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

describe('createSpannerAdapter options', () => {
  const database = {
    runTransactionAsync: () => {},
    run: () => {},
    getSnapshot: () => {},
    updateSchema: () => {},
  } as unknown as Database;

  it.each([
    [
      'a missing database',
      () => createSpannerAdapter(undefined as unknown as Database),
      'database',
    ],
    ['a database of another kind', () => createSpannerAdapter({} as Database), 'database'],
    [
      'a table prefix with a dash',
      () => createSpannerAdapter(database, { tablePrefix: 'my-app' }),
      'tablePrefix',
    ],
    [
      'a table prefix starting with a digit',
      () => createSpannerAdapter(database, { tablePrefix: '1app' }),
      'tablePrefix',
    ],
    [
      'a 33-character table prefix',
      () => createSpannerAdapter(database, { tablePrefix: 'a'.repeat(33) }),
      'tablePrefix',
    ],
    [
      'an empty table prefix',
      () => createSpannerAdapter(database, { tablePrefix: '' }),
      'tablePrefix',
    ],
    [
      'maxPayloadBytes over what one commit holds',
      () => createSpannerAdapter(database, { maxPayloadBytes: SPANNER_MAX_PAYLOAD_BYTES + 1 }),
      'maxPayloadBytes',
    ],
    [
      'a zero maxPayloadBytes',
      () => createSpannerAdapter(database, { maxPayloadBytes: 0 }),
      'maxPayloadBytes',
    ],
    [
      'a clock that is not a function',
      () => createSpannerAdapter(database, { clock: 5 as never }),
      'clock',
    ],
    [
      'an observeCommit that is not a function',
      () => createSpannerAdapter(database, { observeCommit: 'log' as never }),
      'observeCommit',
    ],
    [
      'a zero maxConcurrentTransactions',
      () => createSpannerAdapter(database, { maxConcurrentTransactions: 0 }),
      'maxConcurrentTransactions',
    ],
    [
      'retry.maxAttempts 0',
      () => createSpannerAdapter(database, { retry: { maxAttempts: 0 } }),
      'retry.maxAttempts',
    ],
  ])('%s → ValidationError naming the field', (_, run, field) => {
    expect(validationField(run)).toBe(field);
  });

  it('spannerDdl validates its prefix and names every object after it', () => {
    expect(validationField(() => spannerDdl('drop table x'))).toBe('tablePrefix');
    const ddl = spannerDdl('shop');
    expect(ddl.length).toBe(12);
    for (const statement of ddl)
      expect(statement).toMatch(/^CREATE (NULL_FILTERED )?(TABLE|INDEX) IF NOT EXISTS shop_/);
  });
});

describe('on the emulator', () => {
  it('before setup(), calls fail with SchemaNotReadyError', async () => {
    const adapter = createSpannerAdapter(await createTestDatabase(hostPort, 'nosetup'));
    await expect(
      adapter.checkpoints.exists({ project: 'p', resourceId: 'r', processId: 'x' }),
    ).rejects.toBeInstanceOf(SchemaNotReadyError);
    await expect(
      adapter.operations.open('op').checkpoint('a', new Uint8Array(1)),
    ).rejects.toBeInstanceOf(SchemaNotReadyError);
  });

  it('insertIn with something that is not an open Transaction → ValidationError naming tx, nothing written', async () => {
    const adapter = createSpannerAdapter(await createTestDatabase(hostPort, 'badtx'));
    await adapter.setup();
    const key = { project: 'p', resourceId: 'r', processId: 'x' };
    await expect(
      (async () => adapter.checkpoints.insertIn({} as never, key, { ttlMs: 1000 }))(),
    ).rejects.toSatisfy((e) => e instanceof ValidationError && e.field === 'tx');
    // A Transaction that already ended is refused too.
    let ended: unknown;
    await adapter.transaction(async (tx) => {
      ended = tx;
    });
    await expect(
      (async () => adapter.checkpoints.insertIn(ended as never, key, { ttlMs: 1000 }))(),
    ).rejects.toSatisfy((e) => e instanceof ValidationError && e.field === 'tx');
    expect(await adapter.checkpoints.exists(key)).toBe(false);
  });

  it('a session whose dataset commit passes 80,000 mutations → PayloadTooLargeError, nothing applied', async () => {
    const adapter = createSpannerAdapter(await createTestDatabase(hostPort, 'toomany'));
    await adapter.setup();
    const dataset = adapter.sessions.committable('wide');
    const committer = new MultiCommitter(adapter.sessions.kv('wide'), { wide: dataset });
    const key = new TextEncoder().encode('session-1');
    await committer.begin(key);
    // 3 columns per row: 27,000 rows are 81,000 mutations.
    const rows = Math.ceil(MAX_MUTATIONS_PER_COMMIT / 3) + 300;
    for (let i = 0; i < rows; i++) dataset.set(`row-${i}`, new Uint8Array([i & 0xff]));
    const error = await committer.commit(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limit).toBe(MAX_MUTATIONS_PER_COMMIT);
    expect(await dataset.get('row-0'), 'nothing of the session was applied').toBeNull();
    expect(await adapter.sessions.kv('x').get('anything')).toBeNull();
  });
});
