/**
 * Several OS processes race runOnce on the same keys, on a standalone server and on the Cluster:
 * every step's user writes are committed exactly once. The workers (test/workers/*.mjs) import
 * the built packages, so this file needs `pnpm --filter @checkpointkit/redis build` first (turbo
 * runs build before test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedisAdapter } from '../src/index.js';
import {
  connectionOf,
  deletePrefix,
  newClient,
  type Topology,
  uniquePrefix,
} from './support/clients.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const worker = join(packageDir, 'test', 'workers', 'run-once-worker.mjs');
const WORKERS = 4;
const KEYS = 40;

function newestMtime(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    }),
  );
}

/** The workers run dist/: refuse to test a build that is missing or older than src/. */
function requireFreshBuild(): void {
  const built = join(packageDir, 'dist', 'index.js');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    throw new Error(`${built} is missing: run \`pnpm --filter @checkpointkit/redis build\` first`);
  }
  if (newestMtime(join(packageDir, 'src')) > builtAt) {
    throw new Error(
      'dist/ is older than src/: run `pnpm --filter @checkpointkit/redis build` first',
    );
  }
}

interface Running {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly result: Promise<{ worker: number; ran: string[]; workCalls: number }>;
}

function startWorker(args: object): Running {
  const child = spawn(process.execPath, [worker, JSON.stringify(args)], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
  const result = new Promise<{ worker: number; ran: string[]; workCalls: number }>(
    (resolve, reject) => {
      let last = '';
      lines.on('line', (line) => {
        last = line;
      });
      child.once('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(last))
          : reject(new Error(`worker exited ${code}: ${stderr}`)),
      );
    },
  );
  return { child, ready, result };
}

describe.each<Topology>(['standalone', 'cluster'])('%s: processes racing runOnce', (topology) => {
  it(`${WORKERS} processes × ${KEYS} keys: each step's writes committed exactly once`, async () => {
    requireFreshBuild();
    const keyPrefix = uniquePrefix('race');
    const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      startWorker({ connection: connectionOf(topology), keyPrefix, keys, worker: i }),
    );
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin?.write('go\n');
      const results = await Promise.all(workers.map((w) => w.result));

      const winners = results.flatMap((r) => r.ran);
      expect(winners).toHaveLength(KEYS);
      expect(new Set(winners).size).toBe(KEYS);

      const client = newClient(topology);
      const adapter = createRedisAdapter({ client }, { keyPrefix });
      try {
        for (const uniquifier of keys) {
          const anchor = {
            checkpoint: { project: 'race', resourceId: 'batch-1' },
          };
          expect(await client.get(adapter.colocatedKey(anchor, 'effects', uniquifier))).toBe('1');
          const log = await client.lrange(adapter.colocatedKey(anchor, 'log', uniquifier), 0, -1);
          expect(log).toHaveLength(1);
          const winner = results.find((r) => r.ran.includes(uniquifier))?.worker;
          expect(log).toEqual([String(winner)]);
          expect(
            await adapter.checkpoints.exists({
              project: 'race',
              resourceId: 'batch-1',
              processId: 'effects',
              uniquifier,
            }),
          ).toBe(true);
        }
        // work that ran but lost the race between runOnce's check and its commit: discarded.
        const discarded = results.reduce((n, r) => n + r.workCalls - r.ran.length, 0);
        console.info(
          `${topology}: wins per process ${results.map((r) => r.ran.length).join(', ')}; work discarded after losing the race: ${discarded}`,
        );
      } finally {
        await adapter.close();
        await deletePrefix(client, keyPrefix);
        await client.quit();
      }
    } finally {
      for (const w of workers) w.child.kill();
    }
  });
});
