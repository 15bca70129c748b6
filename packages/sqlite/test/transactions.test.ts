// The transaction runner: what a Tx is, what calls made from inside a transaction callback do,
// that async callbacks never interleave on one connection, and SQLITE_BUSY under the retry policy.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  BackendError,
  ConflictError,
  TransactionAbortedError,
  ValidationError,
} from '@checkpointkit/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteAdapter, type SqliteAdapter } from '../src/index.js';
import { requireBuild } from './processes.js';
import { openFile, PROBE_DDL, probe, tempDir } from './support.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const KEY = { project: 'p', resourceId: 'r', processId: 'step' };
const TTL = { ttlMs: 60_000 };

async function fileAdapter(): Promise<{ path: string; adapter: SqliteAdapter }> {
  const { dir, remove } = tempDir();
  const path = join(dir, 'tx.db');
  const adapter = await openFile(path);
  cleanup.push(remove);
  cleanup.push(() => adapter.close());
  return { path, adapter };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('transactions', () => {
  it("the Tx is the adapter's connection inside BEGIN IMMEDIATE", async () => {
    const { adapter } = await fileAdapter();
    await adapter.transaction(async (tx) => {
      expect(tx).toBe(adapter.database);
      expect(tx.inTransaction).toBe(true);
    });
    expect(adapter.database.inTransaction).toBe(false);
  });

  it('inside a callback, reads of the same adapter see the open transaction', async () => {
    const { adapter } = await fileAdapter();
    await adapter.transaction(async (tx) => {
      await adapter.checkpoints.insertIn(tx, KEY, TTL);
      expect(await adapter.checkpoints.exists(KEY)).toBe(true);
      expect(await probe.read(adapter, 'nothing').catch((e) => e)).toBeInstanceOf(BackendError);
    });
  });

  it('inside a callback, a second write transaction on the same database fails at once (no deadlock)', async () => {
    const { path, adapter } = await fileAdapter();
    const other = createSqliteAdapter({ path }); // another connection to the same file, same process
    cleanup.push(() => other.close());
    const outcome = await adapter.checkpoints.runOnce(KEY, TTL, async (tx) => {
      probe.writeInTx(tx, 'mine', 'kept');
      const nested = [
        adapter.transaction(async () => 'nested'),
        adapter.checkpoints.insert({ ...KEY, uniquifier: 'x' }, TTL),
        adapter.operations.open('op').checkpoint('l', new Uint8Array(1)),
        other.checkpoints.insert({ ...KEY, uniquifier: 'y' }, TTL),
        other.transaction(async () => 'nested elsewhere'),
      ];
      for (const call of await Promise.allSettled(nested)) {
        expect(call.status).toBe('rejected');
        expect((call as PromiseRejectedResult).reason).toBeInstanceOf(BackendError);
      }
      // Reading through the other connection does not wait either: it sees committed data only.
      expect(await other.checkpoints.exists(KEY)).toBe(false);
      return 'outer';
    });
    expect(outcome).toEqual({ ran: true, value: 'outer' });
    expect(await probe.read(other, 'mine')).toBe('kept');
    expect((await other.checkpoints.readAllForTesting()).map((c) => c.key.uniquifier)).toEqual([
      '',
    ]);
  });

  it('async callbacks never interleave: others wait for the open transaction, and never see its writes early', async () => {
    const { adapter } = await fileAdapter();
    const inside = deferred();
    const release = deferred();
    const events: string[] = [];
    const tx = adapter.transaction(async (t) => {
      await adapter.checkpoints.insertIn(t, KEY, TTL);
      inside.resolve();
      await release.promise;
      events.push('commit');
    });
    await inside.promise;
    const read = adapter.checkpoints.exists(KEY).then((seen) => {
      events.push(`read ${seen}`);
    });
    const write = adapter.checkpoints.insert({ ...KEY, uniquifier: 'after' }, TTL).then(() => {
      events.push('write');
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events).toEqual([]);
    release.resolve();
    await Promise.all([tx, read, write]);
    expect(events).toEqual(['commit', 'read true', 'write']);
  });

  it('two connections of one process on one file queue for the writer instead of stalling in busy_timeout', async () => {
    const { path } = await fileAdapter();
    // Short busy timeouts, so that a regression shows as a slow run rather than a hung one.
    const adapter = createSqliteAdapter({ path, busyTimeoutMs: 500 });
    const other = createSqliteAdapter({ path, busyTimeoutMs: 500 });
    cleanup.push(() => adapter.close());
    cleanup.push(() => other.close());
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? adapter : other).checkpoints.runOnce(
          { ...KEY, uniquifier: `k${i % 10}` },
          TTL,
          async (tx) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            probe.writeInTx(tx, `k${i % 10}`, `by ${i}`);
          },
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await adapter.checkpoints.readAllForTesting()).length).toBe(10);
  });

  it('a callback that ends the transaction itself gets a BackendError, and nothing of ours is half-written', async () => {
    const { adapter } = await fileAdapter();
    await expect(
      adapter.checkpoints.runOnce(KEY, TTL, async (tx) => {
        tx.exec('ROLLBACK');
      }),
    ).rejects.toBeInstanceOf(BackendError);
    expect(await adapter.checkpoints.exists(KEY)).toBe(false);
    await adapter.checkpoints.insert(KEY, TTL); // the connection is usable again
  });

  it('insertIn needs the Tx of a running transaction', async () => {
    const { adapter } = await fileAdapter();
    await expect(async () =>
      adapter.checkpoints.insertIn(adapter.database, KEY, TTL),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(async () =>
      adapter.checkpoints.insertIn({} as Database.Database, KEY, TTL),
    ).rejects.toBeInstanceOf(ValidationError);
    // The connection in the middle of another caller's transaction is not this caller's Tx.
    const release = deferred();
    const inside = deferred();
    const other = adapter.transaction(async (tx) => {
      probe.writeInTx(tx, 'other', 'rolled back');
      inside.resolve();
      await release.promise;
      throw new Error('the other transaction fails');
    });
    await inside.promise;
    await expect(async () =>
      adapter.checkpoints.insertIn(adapter.database, KEY, TTL),
    ).rejects.toBeInstanceOf(ValidationError);
    release.resolve();
    await expect(other).rejects.toThrow('the other transaction fails');
    expect(await adapter.checkpoints.exists(KEY)).toBe(false);
  });

  it('a user error inside the callback propagates unchanged; a SQLite error of the user becomes a BackendError', async () => {
    const { adapter } = await fileAdapter();
    const mine = new Error('mine');
    await expect(adapter.transaction(async () => Promise.reject(mine))).rejects.toBe(mine);
    const error = await adapter
      .transaction(async (tx) => tx.exec('INSERT INTO no_such_user_table VALUES (1)'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(((error as BackendError).cause as Error).name).toBe('SqliteError');
  });

  it('SQLITE_BUSY from another process is retried under the policy, then surfaces as ConflictError', async () => {
    const { path } = await fileAdapter();
    const adapter = createSqliteAdapter({
      path,
      busyTimeoutMs: 0,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    cleanup.push(() => adapter.close());
    // A plain better-sqlite3 connection holding the write lock stands in for another process.
    const holder = new Database(path);
    cleanup.push(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const error = await adapter.checkpoints.insert(KEY, TTL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).attempts).toBe(3);
    expect((error as ConflictError).cause).toBeInstanceOf(TransactionAbortedError);
    // WAL: reads go on while another connection writes.
    expect(await adapter.checkpoints.exists(KEY)).toBe(false);
    holder.exec('COMMIT');
    await adapter.checkpoints.insert(KEY, TTL);
    expect(await adapter.checkpoints.exists(KEY)).toBe(true);
  });

  it('close() waits for an open transaction, refuses inside one, and only closes what the adapter opened', async () => {
    const { path } = await fileAdapter();
    const adapter = createSqliteAdapter({ path });
    const release = deferred();
    const inside = deferred();
    let closeInside: unknown;
    const tx = adapter.transaction(async (t) => {
      probe.writeInTx(t, 'before-close', 'yes');
      inside.resolve();
      await release.promise;
    });
    await inside.promise;
    const closing = adapter.close();
    release.resolve();
    await tx;
    await closing;
    expect(adapter.database.open).toBe(false);

    const db = new Database(path);
    cleanup.push(() => db.close());
    const given = createSqliteAdapter({ database: db });
    await given.transaction(async () => {
      closeInside = await given.close().catch((e: unknown) => e);
    });
    expect(closeInside).toBeUndefined(); // not ours to close: nothing to wait for
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT v FROM probe_user WHERE k = ?').pluck().get('before-close')).toBe(
      'yes',
    );
  });

  it('close() called inside a transaction on the connection it would close is a BackendError', async () => {
    const { path } = await fileAdapter();
    const adapter = createSqliteAdapter({ path });
    let inside: unknown;
    await adapter.transaction(async () => {
      inside = await adapter.close().catch((e: unknown) => e);
    });
    expect(inside).toBeInstanceOf(BackendError);
    // core's composeAdapter keeps the first close() promise, rejected or not, as the adapter's
    // close for good: the connection stays open, so the test closes it itself.
    adapter.database.close();
  });

  it('works on a Database the caller opened, configured by the caller', async () => {
    const db = new Database(':memory:');
    cleanup.push(() => db.close());
    const adapter = createSqliteAdapter({ database: db });
    await adapter.setup();
    await adapter.transaction(async (tx) => {
      tx.exec(PROBE_DDL);
    });
    await adapter.checkpoints.runOnce(KEY, TTL, async (tx) => probe.writeInTx(tx, 'k', 'v'));
    expect(await probe.read(adapter, 'k')).toBe('v');
  });
});

describe('the Tx, as README.md describes it', () => {
  it("better-sqlite3's own tx.transaction(…) nests as a savepoint inside ours", async () => {
    const db = new Database(':memory:');
    cleanup.push(() => db.close());
    const adapter = createSqliteAdapter({ database: db });
    await adapter.setup();
    await adapter.transaction(async (tx) => {
      tx.exec(PROBE_DDL);
    });
    await expect(
      adapter.checkpoints.runOnce(KEY, TTL, async (tx) => {
        tx.transaction(() => probe.writeInTx(tx, 'inner', 'savepoint'))();
        throw new Error('undo everything');
      }),
    ).rejects.toThrow('undo everything');
    expect(await probe.read(adapter, 'inner')).toBeNull();
    await adapter.checkpoints.runOnce(KEY, TTL, async (tx) => {
      tx.transaction(() => probe.writeInTx(tx, 'inner', 'savepoint'))();
    });
    expect(await probe.read(adapter, 'inner')).toBe('savepoint');
  });
});

describe('the ESM and the CJS build loaded in one process', () => {
  it('share the gates: no busy stall between them, and no nested write across them', async () => {
    requireBuild();
    const esm = (await import('@checkpointkit/sqlite')) as typeof import('../src/index.js');
    const cjs = createRequire(import.meta.url)(
      '@checkpointkit/sqlite',
    ) as typeof import('../src/index.js');
    expect(esm.createSqliteAdapter).not.toBe(cjs.createSqliteAdapter);
    const { path } = await fileAdapter();
    const viaEsm = esm.createSqliteAdapter({ path, busyTimeoutMs: 500 });
    const viaCjs = cjs.createSqliteAdapter({ path, busyTimeoutMs: 500 });
    cleanup.push(() => viaEsm.close());
    cleanup.push(() => viaCjs.close());
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? viaEsm : viaCjs).transaction(async (tx) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          probe.writeInTx(tx, `k${i}`, 'v');
        }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    await viaEsm.transaction(async () => {
      const nested = await viaCjs.checkpoints.insert(KEY, TTL).catch((e: unknown) => e);
      expect((nested as Error).name).toBe('BackendError');
    });
  });
});
