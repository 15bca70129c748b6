// A node-state get on a cache hit reads the root's head — generation and sha256, a few bytes —
// and neither the shard list (a long TEXT column for a large state) nor a shard.
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { createSqliteAdapter } from '../src/index.js';

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

it('a cache hit runs one SELECT of generation and sha256, nothing else', async () => {
  const statements: string[] = [];
  const db = new Database(':memory:', { verbose: (sql) => statements.push(String(sql)) });
  cleanup.push(() => db.close());
  const adapter = createSqliteAdapter({ database: db });
  cleanup.push(() => adapter.close());
  await adapter.setup();
  const writer = adapter.nodes<string[]>({ shardBytes: 4096 }).for('pool');
  await writer.create(Array.from({ length: 5000 }, (_, i) => `entry-${i}`));
  const reader = adapter.nodes<string[]>({ shardBytes: 4096 }).new('pool');
  await reader.get();
  expect(reader.stats.shardReads).toBeGreaterThan(10);

  statements.length = 0;
  await reader.get();
  expect(statements).toEqual([
    expect.stringMatching(
      /^SELECT generation, sha256 FROM checkpointkit_node_roots WHERE id = 'pool'$/,
    ),
  ]);
});
