/**
 * The baseline of every node-state scenario: the state as one record, read or rewritten whole by
 * the raw driver — what a store without shards does. On SQLite a row (id, generation, bytes) in a
 * file opened like the adapter's; on Redis a string plus a generation hash, both through ioredis.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openLikeAdapter } from '../services/sqlite-files.js';
import { MIB, type NodeCounters, type NodeScenario, type PreparedNodeSide } from './task.js';

function tally(): { counters: () => NodeCounters; add: (c: Partial<NodeCounters>) => void } {
  let total: NodeCounters = { rootReads: 0, shardReads: 0, shardsWritten: 0, bytesWritten: 0 };
  return {
    counters: () => total,
    add: (c) => {
      total = {
        rootReads: total.rootReads + (c.rootReads ?? 0),
        shardReads: total.shardReads + (c.shardReads ?? 0),
        shardsWritten: total.shardsWritten + (c.shardsWritten ?? 0),
        bytesWritten: total.bytesWritten + (c.bytesWritten ?? 0),
      };
    },
  };
}

export function prepareRawSqlite(path: string, scenario: NodeScenario): PreparedNodeSide {
  const db = openLikeAdapter(path);
  db.exec(
    'CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, generation INTEGER NOT NULL, bytes BLOB NOT NULL)',
  );
  const bytes = scenario.sizeMiB * MIB;
  let state = new Uint8Array(randomBytes(bytes));
  db.prepare('INSERT INTO blobs (id, generation, bytes) VALUES (?, 1, ?)').run('state', state);
  const version = db.prepare('SELECT generation FROM blobs WHERE id = ?').pluck();
  const load = db.prepare('SELECT bytes FROM blobs WHERE id = ?').pluck();
  const rewrite = db.prepare(
    'UPDATE blobs SET bytes = ?, generation = generation + 1 WHERE id = ?',
  );
  const { counters, add } = tally();
  const close = async (): Promise<void> => {
    db.close();
  };
  switch (scenario.kind) {
    case 'cached-get':
      // The caller keeps its copy and asks whether the record moved.
      return {
        op: async () => {
          version.get('state');
          add({ rootReads: 1 });
        },
        counters,
        shardCount: null,
        close,
      };
    case 'full-load':
      return {
        op: async () => {
          load.get('state');
          add({ rootReads: 1 });
        },
        counters,
        shardCount: null,
        close,
      };
    case 'edit':
      return {
        op: async () => {
          const next = state.slice();
          next[randomInt(bytes)] ^= 0xff;
          rewrite.run(next, 'state');
          state = next;
          add({ bytesWritten: bytes, shardsWritten: 1 });
        },
        counters,
        shardCount: null,
        close,
      };
  }
}

export async function prepareRawRedis(
  client: Redis,
  keyPrefix: string,
  scenario: NodeScenario,
  roundTrips: () => number,
): Promise<PreparedNodeSide> {
  const bytes = scenario.sizeMiB * MIB;
  let state = Buffer.from(randomBytes(bytes));
  const [blob, meta] = [`${keyPrefix}:blob`, `${keyPrefix}:meta`];
  await client.multi().set(blob, state).hset(meta, 'generation', 1).exec();
  const { counters, add } = tally();
  const close = async (): Promise<void> => {
    await client.del(blob, meta);
  };
  switch (scenario.kind) {
    case 'cached-get':
      return {
        op: async () => {
          await client.hget(meta, 'generation');
          add({ rootReads: 1 });
        },
        counters,
        shardCount: null,
        roundTrips,
        close,
      };
    case 'full-load':
      return {
        op: async () => {
          await client.getBuffer(blob);
          add({ rootReads: 1 });
        },
        counters,
        shardCount: null,
        roundTrips,
        close,
      };
    case 'edit':
      return {
        op: async () => {
          const next = Buffer.from(state);
          next[randomInt(bytes)] ^= 0xff;
          await client.multi().set(blob, next).hincrby(meta, 'generation', 1).exec();
          state = next;
          add({ bytesWritten: bytes, shardsWritten: 1 });
        },
        counters,
        shardCount: null,
        roundTrips,
        close,
      };
  }
}
