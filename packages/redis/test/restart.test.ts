/**
 * Restart (issue 4): SIGKILL the AOF-backed server (appendfsync always) in the middle of a
 * stream of acknowledged writes — inserts, runOnce with user writes, operation checkpoints and
 * commit sessions — restart it on the same port and dir, and show that nothing acknowledged is
 * lost. This file runs its own server: killing the shared one would break the other files.
 *
 * It also shows that a write in flight when the server died is not misreported: ioredis resends
 * unanswered commands after reconnecting, and the adapter's scripts recognise a resend of a
 * write that was applied (its nonce) instead of answering "already exists" to their own write.
 */
import { AlreadyExistsError, MultiCommitter, toHex } from '@checkpointkit/core';
import { freePort, HOST, makeTempDir, RedisServer, removeDir } from '@checkpointkit/test-services';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter } from '../src/index.js';

const TTL = { ttlMs: 24 * 3_600_000 };
const WRITERS_PER_KIND = 2;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : new TextDecoder().decode(bytes);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const key = (uniquifier: string) => ({
  project: 'restart',
  resourceId: 'stream',
  processId: 'acked',
  uniquifier,
});

interface Ack {
  readonly what: string;
  readonly at: number;
  /** Verifies the write on a fresh connection after the restart. */
  readonly check: (adapter: RedisAdapter) => Promise<void>;
}

it('SIGKILL during a stream of acknowledged writes: after the restart nothing acknowledged is lost', async () => {
  const dir = makeTempDir('restart');
  const server = await RedisServer.start({ dir, port: await freePort(), aof: true });
  const client = new Redis(server.port, HOST);
  client.on('error', () => {});
  const adapter = createRedisAdapter({ client }, { keyPrefix: 'restart' });
  const acks: Ack[] = [];
  const surprises: string[] = [];
  let failures = 0;
  let killedAt = Number.POSITIVE_INFINITY;
  let restartedAt = Number.POSITIVE_INFINITY;
  let acrossTheCrash = 0;
  let stopping = false;

  /** One call of a writer: records its ack, counts failures, and notes calls spanning the crash. */
  async function attempt(work: () => Promise<Ack | null>): Promise<boolean> {
    const started = Date.now();
    try {
      const ack = await work();
      if (ack) acks.push(ack);
      return true;
    } catch (error) {
      if (error instanceof AlreadyExistsError)
        surprises.push(`AlreadyExistsError: ${error.message}`);
      failures++;
      await sleep(20);
      return false;
    } finally {
      if (started < killedAt && Date.now() > killedAt) acrossTheCrash++;
    }
  }

  const writers = {
    async insert(w: number): Promise<void> {
      for (let i = 0; !stopping; i++) {
        const u = `insert-${w}-${i}`;
        await attempt(async () => {
          await adapter.checkpoints.insert(key(u), TTL);
          return {
            what: u,
            at: Date.now(),
            check: async (a) => expect(await a.checkpoints.exists(key(u)), u).toBe(true),
          };
        });
      }
    },
    async runOnce(w: number): Promise<void> {
      for (let i = 0; !stopping; i++) {
        const u = `run-once-${w}-${i}`;
        await attempt(async () => {
          const result = await adapter.checkpoints.runOnce(key(u), TTL, async (tx) => {
            tx.set(tx.key('effect', u), u);
          });
          if (!result.ran) {
            surprises.push(`runOnce ${u} did not run`);
            return null;
          }
          return {
            what: u,
            at: Date.now(),
            check: async (a) => {
              expect(await a.checkpoints.exists(key(u)), u).toBe(true);
              const effect = a.colocatedKey({ checkpoint: key(u) }, 'effect', u);
              expect(await a.client.get(effect), u).toBe(u);
            },
          };
        });
      }
    },
    async operation(w: number): Promise<void> {
      const op = adapter.operations.open(`import-${w}`);
      for (let i = 0; !stopping; i++) {
        await attempt(async () => {
          const data = `page ${i} of writer ${w}`;
          const id = await op.checkpoint(`page-${i}`, utf8(data));
          return {
            what: `operation import-${w} ${id}`,
            at: Date.now(),
            check: async (a) => {
              const stored = await a.operations.open(`import-${w}`).load(id);
              expect(text(stored.data), `import-${w} ${id}`).toBe(data);
            },
          };
        });
      }
    },
    async session(w: number): Promise<void> {
      const rows = adapter.sessions.committable(`rows-${w}`);
      const committer = new MultiCommitter(adapter.sessions.kv(`pipeline-${w}`), { rows });
      // A failed session is replayed with the same key and the same writes until it commits:
      // the recovery protocol, across a server crash.
      for (let i = 0; !stopping; ) {
        const sessionKey = utf8(`session-${w}-${String(i).padStart(6, '0')}`);
        const row = `row-${i}`;
        const value = `value ${i}`;
        const committed = await attempt(async () => {
          await committer.begin(sessionKey);
          rows.set(row, utf8(value));
          const id = await committer.commit(sessionKey);
          return {
            what: `session ${text(sessionKey)}`,
            at: Date.now(),
            check: async (a) => {
              const again = a.sessions.committable(`rows-${w}`);
              expect(text(await again.get(row)), row).toBe(value);
              // Replaying the finished key returns its id and applies nothing.
              const replay = new MultiCommitter(a.sessions.kv(`pipeline-${w}`), { rows: again });
              await replay.begin(sessionKey);
              again.set(row, utf8('changed by a replay'));
              expect(toHex(await replay.commit(sessionKey))).toBe(toHex(id));
              expect(text(await again.get(row))).not.toBe('changed by a replay');
            },
          };
        });
        if (committed) i++;
      }
    },
  };

  const checker = new Redis(server.port, HOST);
  checker.on('error', () => {});
  try {
    await adapter.setup();
    const running = Object.values(writers).flatMap((writer) =>
      Array.from({ length: WRITERS_PER_KIND }, (_, w) => writer(w)),
    );

    // Let the stream get going, kill the server in the middle of it, keep writing through the
    // outage, restart it on the same port and dir, and let the stream run on for a while.
    const deadline = Date.now() + 20_000;
    while (acks.length < 200 && Date.now() < deadline) await sleep(10);
    killedAt = Date.now();
    await server.kill();
    const ackedBeforeKill = acks.filter((a) => a.at <= killedAt).length;
    await sleep(300);
    await server.restart();
    restartedAt = Date.now();
    while (acks.filter((a) => a.at > restartedAt).length < 100 && Date.now() < deadline + 20_000)
      await sleep(10);
    stopping = true;
    await Promise.all(running);

    // Verify on a connection opened after the restart.
    const fresh = createRedisAdapter({ client: checker }, { keyPrefix: 'restart' });
    for (const ack of acks) await ack.check(fresh);
    await fresh.close();

    const before = acks.filter((a) => a.at <= killedAt);
    console.info(
      `restart: ${before.length} writes acknowledged before the kill, ${acks.length - before.length} after; ` +
        `${acrossTheCrash} calls in flight across the crash, ${failures} failed calls (retried)`,
    );
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(200);
    for (const kind of ['insert-', 'run-once-', 'operation ', 'session '])
      expect(
        before.some((a) => a.what.startsWith(kind)),
        kind,
      ).toBe(true);
    expect(acrossTheCrash).toBeGreaterThan(0);
    expect(surprises).toEqual([]);
  } finally {
    stopping = true;
    await adapter.close();
    client.disconnect();
    checker.disconnect();
    await server.stop();
    removeDir(dir);
  }
});
