// Bad input gives the typed error — and writes nothing: the connection's total_changes() and every
// table's row count are the same after the rejected call as before it.
import { join } from 'node:path';
import {
  AlreadyExistsError,
  BackendError,
  type CheckpointKey,
  hlc,
  NotFoundError,
  PayloadTooLargeError,
  TimestampRegressionError,
  ValidationError,
} from '@checkpointkit/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSqliteAdapter,
  type SqliteAdapter,
  type SqliteAdapterOptions,
} from '../src/index.js';
import { openFile, tempDir } from './support.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const MIB = 1024 * 1024;
const KEY: CheckpointKey = { project: 'p', resourceId: 'r', processId: 'step' };
const TTL = { ttlMs: 60_000 };

async function adapterOnFile(options: Partial<SqliteAdapterOptions> = {}): Promise<SqliteAdapter> {
  const { dir, remove } = tempDir();
  const path = join(dir, 'bad.db');
  (await openFile(path)).close();
  const adapter = createSqliteAdapter({ path, ...options });
  cleanup.push(remove);
  cleanup.push(() => adapter.close());
  return adapter;
}

/** Row counts of every table, and the connection's changes so far. */
function footprint(adapter: SqliteAdapter): string {
  const db = adapter.database;
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  const rows = tables.map((t) => `${t}=${db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get()}`);
  return `${rows.join(' ')} changes=${db.prepare('SELECT total_changes()').pluck().get()}`;
}

/** Asserts `call` fails with `type` (naming `field`, for validation) and leaves no trace. */
async function rejectsWithoutWriting(
  adapter: SqliteAdapter,
  call: () => unknown,
  type: abstract new (...args: never[]) => Error,
  field?: string,
): Promise<Error> {
  const before = footprint(adapter);
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${type.name}`).toBeInstanceOf(type);
  if (field !== undefined) expect((error as ValidationError).field).toBe(field);
  expect(footprint(adapter)).toBe(before);
  return error as Error;
}

function thrownBy(create: () => unknown): unknown {
  try {
    create();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('bad options', () => {
  const cases: [string, unknown, string][] = [
    ['no options', undefined, 'options'],
    ['options not an object', 'file.db', 'options'],
    ['neither path nor database', {}, 'path'],
    ['both path and database', { path: ':memory:', database: {} }, 'path'],
    ['an empty path', { path: '' }, 'path'],
    ['a path that is not a string', { path: 42 }, 'path'],
    ['a database that is not a better-sqlite3 Database', { database: { prepare: 1 } }, 'database'],
    [
      'tablePrefix starting with a digit',
      { path: ':memory:', tablePrefix: '9lives' },
      'tablePrefix',
    ],
    [
      'tablePrefix with SQL in it',
      { path: ':memory:', tablePrefix: 'x; DROP TABLE y' },
      'tablePrefix',
    ],
    [
      'tablePrefix of 33 characters',
      { path: ':memory:', tablePrefix: 'a'.repeat(33) },
      'tablePrefix',
    ],
    ['negative busyTimeoutMs', { path: ':memory:', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
    ['fractional busyTimeoutMs', { path: ':memory:', busyTimeoutMs: 1.5 }, 'busyTimeoutMs'],
    ['busyTimeoutMs over a minute', { path: ':memory:', busyTimeoutMs: 60_001 }, 'busyTimeoutMs'],
    ['an unknown synchronous', { path: ':memory:', synchronous: 'off' }, 'synchronous'],
    ['maxPayloadBytes 0', { path: ':memory:', maxPayloadBytes: 0 }, 'maxPayloadBytes'],
    [
      'maxPayloadBytes beyond one SQLite value',
      { path: ':memory:', maxPayloadBytes: 2 ** 30 },
      'maxPayloadBytes',
    ],
    ['a clock that is not a function', { path: ':memory:', clock: 5 }, 'clock'],
    ['retry.maxAttempts 0', { path: ':memory:', retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
  ];
  for (const [what, options, field] of cases) {
    it(`rejects ${what} with a ValidationError naming ${field}`, () => {
      const error = thrownBy(() => createSqliteAdapter(options as SqliteAdapterOptions));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    });
  }

  it('rejects connection settings for a Database it did not open, and a closed Database', () => {
    const db = new Database(':memory:');
    for (const field of ['busyTimeoutMs', 'synchronous'] as const) {
      const value = field === 'busyTimeoutMs' ? 100 : 'normal';
      const error = thrownBy(() => createSqliteAdapter({ database: db, [field]: value }));
      expect((error as ValidationError).field).toBe(field);
    }
    db.close();
    expect((thrownBy(() => createSqliteAdapter({ database: db })) as ValidationError).field).toBe(
      'database',
    );
  });

  it('a file that cannot be opened is a BackendError', () => {
    const { dir, remove } = tempDir();
    cleanup.push(remove);
    const error = thrownBy(() =>
      createSqliteAdapter({ path: join(dir, 'missing', 'dir', 'x.db') }),
    );
    expect(error).toBeInstanceOf(BackendError);
  });
});

describe('bad input writes nothing', () => {
  const badKeys: [string, CheckpointKey, string][] = [
    ['an upper-case project', { ...KEY, project: 'P' }, 'key.project'],
    ['an empty resourceId', { ...KEY, resourceId: '' }, 'key.resourceId'],
    ['a resourceId with NUL', { ...KEY, resourceId: 'a\u0000b' }, 'key.resourceId'],
    ['a lone surrogate', { ...KEY, uniquifier: '\uDC00' }, 'key.uniquifier'],
    ['a 1025-byte uniquifier', { ...KEY, uniquifier: 'u'.repeat(1025) }, 'key.uniquifier'],
    ['a processId with a space', { ...KEY, processId: 'a b' }, 'key.processId'],
  ];

  it('run-once checkpoints: invalid keys and ttls, on every method', async () => {
    const a = await adapterOnFile();
    await a.checkpoints.insert(KEY, TTL);
    for (const [, key, field] of badKeys) {
      let called = false;
      await rejectsWithoutWriting(a, () => a.checkpoints.insert(key, TTL), ValidationError, field);
      await rejectsWithoutWriting(
        a,
        () => a.checkpoints.tryInsert(key, TTL),
        ValidationError,
        field,
      );
      await rejectsWithoutWriting(
        a,
        () =>
          a.checkpoints.runOnce(key, TTL, async () => {
            called = true;
          }),
        ValidationError,
        field,
      );
      await rejectsWithoutWriting(
        a,
        () => a.checkpoints.claim(key, { leaseMs: 1000, owner: 'w' }),
        ValidationError,
        field,
      );
      await rejectsWithoutWriting(
        a,
        () => a.transaction(async (tx) => a.checkpoints.insertIn(tx, key, TTL)),
        ValidationError,
        field,
      );
      await rejectsWithoutWriting(a, () => a.checkpoints.exists(key), ValidationError, field);
      expect(called).toBe(false);
    }
    await rejectsWithoutWriting(
      a,
      () => a.checkpoints.insert(KEY, { ttlMs: 0 }),
      ValidationError,
      'ttlMs',
    );
    await rejectsWithoutWriting(a, () => a.checkpoints.insert(KEY, TTL), AlreadyExistsError);
    await rejectsWithoutWriting(
      a,
      () =>
        a.checkpoints.setForTesting([
          { key: { ...KEY, uniquifier: '' }, creationTime: new Date(), expiryTime: new Date() },
          {
            key: { ...KEY, uniquifier: '', project: 'X' },
            creationTime: new Date(),
            expiryTime: new Date(),
          },
        ]),
      ValidationError,
      'checkpoints[1].key.project',
    );
  });

  it('operation checkpoints: oversize data, bad labels, wrong ids', async () => {
    const a = await adapterOnFile({ maxPayloadBytes: 16 * MIB });
    const op = a.operations.open('import');
    const id = await op.checkpoint('first', new Uint8Array(16 * MIB)); // exactly the limit: fine
    const error = (await rejectsWithoutWriting(
      a,
      () => op.checkpoint('too big', new Uint8Array(16 * MIB + 1)),
      PayloadTooLargeError,
    )) as PayloadTooLargeError;
    expect([error.size, error.limit]).toEqual([16 * MIB + 1, 16 * MIB]);
    await rejectsWithoutWriting(
      a,
      () => op.checkpoint('l'.repeat(1025), new Uint8Array(1)),
      ValidationError,
      'label',
    );
    await rejectsWithoutWriting(
      a,
      () => op.checkpoint('x', [1, 2] as unknown as Uint8Array),
      ValidationError,
      'data',
    );
    for (const bad of ['', 'abc', '1', '0000000000000000', '00000000000000001']) {
      await rejectsWithoutWriting(a, () => op.load(bad), ValidationError, 'id');
    }
    await rejectsWithoutWriting(a, () => op.load('0000000000000099'), NotFoundError);
    await rejectsWithoutWriting(a, () => a.operations.open('other').load(id), NotFoundError);
    expect(() => a.operations.open('')).toThrow(ValidationError);
    await rejectsWithoutWriting(
      a,
      () => op.acquire({ owner: '', leaseMs: 1000 }),
      ValidationError,
      'owner',
    );
  });

  it('node state: oversize state, bad ids, bad options; a missing node is NotFoundError', async () => {
    const a = await adapterOnFile({ maxPayloadBytes: MIB });
    const raw = { encode: (s: Uint8Array) => s, decode: (b: Uint8Array) => b };
    const store = a.nodes({ codec: raw, shardBytes: 4096 }).for('big');
    await rejectsWithoutWriting(
      a,
      () => store.create(new Uint8Array(MIB + 1)),
      PayloadTooLargeError,
    );
    await rejectsWithoutWriting(
      a,
      () =>
        a
          .nodes()
          .for('missing')
          .run(() => undefined),
      NotFoundError,
    );
    await rejectsWithoutWriting(a, () => a.nodes().for('missing').get(), NotFoundError);
    expect(() => a.nodes().for('')).toThrow(ValidationError);
    expect(() => a.nodes({ shardBytes: 64 * MIB + 1 })).toThrow(ValidationError);
    await store.create(new Uint8Array(MIB)); // exactly the limit: fine
    await rejectsWithoutWriting(
      a,
      () => store.run(() => new Uint8Array(MIB + 1)),
      PayloadTooLargeError,
    );
    await rejectsWithoutWriting(a, () => store.clean({ graceMs: -1 }), ValidationError, 'graceMs');
  });

  it('commit sessions and checkpoint groups', async () => {
    const a = await adapterOnFile();
    const kv = a.sessions.kv('ns');
    await rejectsWithoutWriting(
      a,
      () => kv.set('k', new Uint8Array(1_000_001)),
      PayloadTooLargeError,
    );
    await rejectsWithoutWriting(a, () => kv.set('', new Uint8Array(1)), ValidationError, 'key');
    const dataset = a.sessions.committable('orders');
    await rejectsWithoutWriting(
      a,
      () => dataset.begin(new Uint8Array(0)),
      ValidationError,
      'idempotencyKey',
    );
    const group = await a.groups.start('orders', { pollIntervalMs: 60_000 });
    cleanup.push(() => group.stop());
    await group.advance('p', hlc(5));
    await rejectsWithoutWriting(a, () => group.advance('p', hlc(4)), TimestampRegressionError);
    await rejectsWithoutWriting(
      a,
      () => group.advance('p', { nanos: -1n, logical: 0 }),
      ValidationError,
      'ts.nanos',
    );
    await rejectsWithoutWriting(a, () => group.advance('', hlc(6)), ValidationError, 'partition');
  });
});
