/**
 * Crashes: a worker process loops over operation checkpoints (some chunked), node runs (a state
 * of many shards) and runOnce, and is killed with SIGKILL after a random delay, several rounds on
 * one namespace. After each kill a fresh adapter (another process) checks that nothing the worker
 * acknowledged is lost, that nothing was applied twice, and that every state reads whole — and
 * the next round's worker continues from what survived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatastoreAdapter, type DatastoreAdapter } from '../src/index.js';
import {
  deleteNamespace,
  emulatorHost,
  newClient,
  PROJECT_ID,
  uniqueNamespace,
} from './support/clients.js';
import { requireFreshBuild, startWorker } from './support/processes.js';
import { nodeState, payloadOf } from './workers/crash-payload.mjs';

const ROUNDS = 8;
/** Kill somewhere in the first ~1.5 s of the worker's loop (a step takes some 20–60 ms). */
const MAX_KILL_DELAY_MS = 1500;

type Ack =
  | { op: 'checkpoint'; id: string; label: string }
  | { op: 'run'; generation: number }
  | { op: 'ran'; key: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL crash rounds', () => {
  const namespace = uniqueNamespace('crash');
  const client = newClient({ namespace });
  let adapter: DatastoreAdapter;

  beforeAll(async () => {
    requireFreshBuild();
    adapter = createDatastoreAdapter(client);
    await adapter.nodes().new('crash-node').create(nodeState(0));
  });
  afterAll(async () => {
    await adapter?.close();
    await deleteNamespace(client, namespace);
  });

  it(`${ROUNDS} rounds: nothing acknowledged lost, nothing applied twice, every state whole`, async () => {
    const acked: Ack[] = [];
    let progress = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const worker = startWorker('crash-worker.mjs', {
        host: emulatorHost(),
        projectId: PROJECT_ID,
        namespace,
        round,
      });
      try {
        await worker.ready;
        worker.go();
        await Promise.race([sleep(Math.floor(Math.random() * MAX_KILL_DELAY_MS)), worker.exited]);
        worker.child.kill('SIGKILL');
        const code = await worker.exited;
        expect(code, `round ${round}: killed, not exited by itself: ${worker.stderr()}`).toBeNull();
      } finally {
        worker.child.kill('SIGKILL');
      }
      acked.push(...(worker.lines as Ack[]));
      progress += worker.lines.length;

      // §2: every acknowledged checkpoint is stored once, at its id, whole.
      const op = adapter.operations.open('crash-import');
      const ids = await op.list();
      const labels: string[] = [];
      for (const id of ids) {
        const checkpoint = await op.load(id);
        expect(
          Buffer.compare(Buffer.from(checkpoint.data), Buffer.from(payloadOf(checkpoint.label))),
          `round ${round}: §2 checkpoint ${id} (${checkpoint.label}) is whole`,
        ).toBe(0);
        labels.push(checkpoint.label);
      }
      expect(new Set(labels).size, `round ${round}: §2 no step stored twice`).toBe(labels.length);
      for (const a of acked) {
        if (a.op !== 'checkpoint') continue;
        expect(ids, `round ${round}: §2 acknowledged ${a.label} is kept`).toContain(a.id);
      }

      // §5: the node reads whole; count = generation - 1 (each run adds 1 exactly once).
      const fresh = adapter.nodes<ReturnType<typeof nodeState>>().new('crash-node');
      const state = await fresh.get();
      const generation = fresh.generation;
      expect(state, `round ${round}: §5 the state is a whole generation`).toEqual(
        nodeState(state.count),
      );
      expect(state.count, `round ${round}: §5 every applied run counted once`).toBe(generation - 1);
      const lastAcked = acked.filter((a) => a.op === 'run').at(-1);
      if (lastAcked?.op === 'run') {
        expect(generation, `round ${round}: §5 acknowledged runs are kept`).toBeGreaterThanOrEqual(
          lastAcked.generation,
        );
      }

      // §1: for every key, the work's write and the checkpoint are both there or both absent.
      for (let i = 0; i < 400; i++) {
        const key = `k${i}`;
        const [effect] = await client.get(client.key({ namespace, path: ['Effect', key] }));
        const exists = await adapter.checkpoints.exists({
          project: 'crash',
          resourceId: 'batch',
          processId: 'effects',
          uniquifier: key,
        });
        expect(effect?.count ?? 0, `round ${round}: §1 ${key}'s work committed at most once`).toBe(
          exists ? 1 : 0,
        );
        if (!exists) break;
      }
      for (const a of acked) {
        if (a.op !== 'ran') continue;
        const [effect] = await client.get(client.key({ namespace, path: ['Effect', a.key] }));
        expect(effect?.count, `round ${round}: §1 acknowledged ${a.key} ran exactly once`).toBe(1);
      }
    }
    console.info(`datastore crash: ${ROUNDS} rounds, ${progress} acknowledged steps`);
    expect(progress, 'the workers made progress between kills').toBeGreaterThan(0);
  });
});
