/**
 * Two OS processes race runOnce on the same keys against the emulator: every step's user writes
 * are committed exactly once. The workers (test/workers/*.mjs) import the built package, so this
 * file needs `pnpm --filter @checkpointkit/datastore build` first (turbo runs build before test).
 */
import { describe, expect, it } from 'vitest';
import { createDatastoreAdapter } from '../src/index.js';
import {
  deleteNamespace,
  emulatorHost,
  newClient,
  PROJECT_ID,
  uniqueNamespace,
} from './support/clients.js';
import { requireFreshBuild, startWorker } from './support/processes.js';

const WORKERS = 2;
const KEYS = 30;

interface WorkerResult {
  readonly worker: number;
  readonly ran: string[];
  readonly workCalls: number;
}

describe('processes racing runOnce', () => {
  it(`${WORKERS} processes × ${KEYS} keys: each step's writes committed exactly once`, async () => {
    requireFreshBuild();
    const namespace = uniqueNamespace('race');
    const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      startWorker('run-once-worker.mjs', {
        host: emulatorHost(),
        projectId: PROJECT_ID,
        namespace,
        keys,
        worker: i,
      }),
    );
    const client = newClient({ namespace });
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      const results = await Promise.all(
        workers.map(async (w) => {
          const code = await w.exited;
          if (code !== 0) throw new Error(`worker exited ${code}: ${w.stderr()}`);
          return w.lines.at(-1) as WorkerResult;
        }),
      );

      const winners = results.flatMap((r) => r.ran);
      expect(winners, '§1 every key ran once, in one of the processes').toHaveLength(KEYS);
      expect(new Set(winners).size, '§1 no key ran in two processes').toBe(KEYS);

      const adapter = createDatastoreAdapter(client);
      for (const uniquifier of keys) {
        const effectKey = client.key({ namespace, path: ['Effect', uniquifier] });
        const [effect] = await client.get(effectKey);
        expect(effect?.count, `§1 ${uniquifier}: the work's write is committed exactly once`).toBe(
          1,
        );
        const [log] = await client.runQuery(
          client.createQuery(namespace, 'EffectLog').hasAncestor(effectKey),
        );
        const winner = results.find((r) => r.ran.includes(uniquifier))?.worker;
        expect(
          log.map((entry) => entry.worker),
          `§1 ${uniquifier}: only the winner's writes`,
        ).toEqual([winner]);
        expect(
          await adapter.checkpoints.exists({
            project: 'race',
            resourceId: 'batch-1',
            processId: 'effects',
            uniquifier,
          }),
          `§1 ${uniquifier}: the checkpoint exists`,
        ).toBe(true);
      }
      const discarded = results.reduce((n, r) => n + r.workCalls - r.ran.length, 0);
      console.info(
        `datastore: wins per process ${results.map((r) => r.ran.length).join(', ')}; work discarded after losing the race: ${discarded}`,
      );
      await adapter.close();
    } finally {
      for (const w of workers) w.child.kill();
      await deleteNamespace(client, namespace);
    }
  });
});
