// setup(), migrations, the exported DDL and table prefixes.
import { join } from 'node:path';
import { SchemaNotReadyError, ValidationError } from '@checkpointkit/core';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteAdapter, SCHEMA_VERSION, sqliteDdl } from '../src/index.js';
import { race, requireBuild, startWorker } from './processes.js';
import { tempDir } from './support.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function freshPath(): string {
  const { dir, remove } = tempDir();
  cleanup.push(remove);
  return join(dir, 'schema.db');
}

const KEY = { project: 'p', resourceId: 'r', processId: 'step' };
const TTL = { ttlMs: 60_000 };

describe('schema', () => {
  beforeAll(requireBuild);

  it('before setup(), calls fail with SchemaNotReadyError and create nothing', async () => {
    const adapter = createSqliteAdapter({ path: freshPath() });
    cleanup.push(() => adapter.close());
    await expect(adapter.checkpoints.exists(KEY)).rejects.toBeInstanceOf(SchemaNotReadyError);
    await expect(adapter.checkpoints.insert(KEY, TTL)).rejects.toBeInstanceOf(SchemaNotReadyError);
    await expect(adapter.operations.open('op').latest()).rejects.toBeInstanceOf(
      SchemaNotReadyError,
    );
    await expect(adapter.nodes().list()).rejects.toBeInstanceOf(SchemaNotReadyError);
    await expect(adapter.sessions.kv('ns').get('k')).rejects.toBeInstanceOf(SchemaNotReadyError);
    await expect(adapter.groups.start('g')).rejects.toBeInstanceOf(SchemaNotReadyError);
    const tables = adapter.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all();
    expect(tables).toEqual([]);
    await adapter.setup();
    await adapter.checkpoints.insert(KEY, TTL);
  });

  it('setup() records its migrations and is idempotent', async () => {
    const adapter = createSqliteAdapter({ path: freshPath(), tablePrefix: 'app_ck' });
    cleanup.push(() => adapter.close());
    await adapter.setup();
    await adapter.checkpoints.insert(KEY, TTL);
    await adapter.setup();
    await Promise.all([adapter.setup(), adapter.setup()]);
    const versions = adapter.database
      .prepare('SELECT version FROM app_ck_migrations')
      .pluck()
      .all();
    expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    expect(await adapter.checkpoints.exists(KEY)).toBe(true);
  });

  it('two processes calling setup() at once on a new file both succeed', async () => {
    const path = freshPath();
    await race(3, (worker) => startWorker('setup.mjs', path, { worker }));
    const adapter = createSqliteAdapter({ path });
    cleanup.push(() => adapter.close());
    expect(await adapter.checkpoints.readAllUniquifiers('setup', 'worker-0', 'ran')).toEqual(
      new Set(['']),
    );
    expect((await adapter.checkpoints.readAllForTesting()).length).toBe(3);
  });

  it('sqliteDdl(prefix) applied out of band is the schema: the adapter works without setup()', async () => {
    const ddl = sqliteDdl('ops');
    const created = ddl.flatMap(
      (s) => /^CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)/.exec(s)?.[1] ?? [],
    );
    expect(created.length).toBeGreaterThan(5);
    for (const name of created) expect(name.startsWith('ops_')).toBe(true);
    const db = new Database(freshPath());
    cleanup.push(() => db.close());
    db.transaction(() => {
      for (const statement of ddl) db.exec(statement);
    })();
    const adapter = createSqliteAdapter({ database: db, tablePrefix: 'ops' });
    await adapter.checkpoints.insert(KEY, TTL);
    await adapter.setup(); // finds every migration recorded: nothing to do
    expect(db.prepare('SELECT version FROM ops_migrations').pluck().all()).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await adapter.close();
    expect(db.open).toBe(true); // never closes a Database it was given
  });

  it('setup() migrates a version-1 database: old checkpoints replay without a result, new ones keep theirs', async () => {
    const db = new Database(freshPath());
    cleanup.push(() => db.close());
    // What version 1 of this package created and wrote (before results and fingerprints).
    const v1 = sqliteDdl('old').filter((s) => !/old_checkpoint_results|VALUES \(2,/.test(s));
    db.transaction(() => {
      for (const statement of v1) db.exec(statement);
    })();
    db.prepare(
      `INSERT INTO old_checkpoints (project, resource_id, process_id, uniquifier, creation_ms, expiry_ms)
       VALUES ('p', 'r', 'step', '', ?, ?)`,
    ).run(Date.now(), Date.now() + 60_000);
    const adapter = createSqliteAdapter({ database: db, tablePrefix: 'old' });
    cleanup.push(() => adapter.close());
    await expect(
      adapter.checkpoints.runOnce(KEY, { ...TTL, result: 'json' }, async () => 1),
    ).rejects.toBeInstanceOf(SchemaNotReadyError);
    await adapter.setup();
    expect(db.prepare('SELECT version FROM old_migrations').pluck().all()).toEqual([1, 2]);
    const replay = await adapter.checkpoints.runOnce(
      KEY,
      { ...TTL, result: 'json', fingerprint: 'f' },
      async () => 1,
    );
    expect(replay).toMatchObject({ ran: false, value: undefined });
    const other = { ...KEY, uniquifier: 'new' };
    await adapter.checkpoints.runOnce(other, { ...TTL, result: 'json' }, async () => ({ n: 7 }));
    const again = await adapter.checkpoints.runOnce(
      other,
      { ...TTL, result: 'json' },
      async () => 0,
    );
    expect(again).toMatchObject({ ran: false, value: { n: 7 } });
  });

  it('table prefixes isolate adapters on one database', async () => {
    const db = new Database(':memory:');
    cleanup.push(() => db.close());
    const one = createSqliteAdapter({ database: db, tablePrefix: 'one' });
    const two = createSqliteAdapter({ database: db, tablePrefix: 'two' });
    await one.setup();
    await two.setup();
    await one.checkpoints.insert(KEY, TTL);
    await one.operations.open('op').checkpoint('l', new Uint8Array([1]));
    expect(await two.checkpoints.exists(KEY)).toBe(false);
    expect(await two.operations.list()).toEqual([]);
    expect(sqliteDdl().join('\n')).toContain('checkpointkit_checkpoints');
  });

  it('rejects a bad table prefix with a ValidationError naming it', () => {
    for (const bad of ['', '1abc', 'has-dash', 'has space', 'x'.repeat(33), 'drop;table', 7]) {
      expect(() => sqliteDdl(bad as string)).toThrow(ValidationError);
      const error = (() => {
        try {
          createSqliteAdapter({ path: ':memory:', tablePrefix: bad as string });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('tablePrefix');
    }
  });

  it('setup() refuses a database whose text encoding is not UTF-8 (byte-wise key order)', async () => {
    const db = new Database(':memory:');
    cleanup.push(() => db.close());
    db.pragma('encoding = "UTF-16le"');
    const adapter = createSqliteAdapter({ database: db });
    await expect(adapter.setup()).rejects.toThrow(/UTF-8/);
  });
});
