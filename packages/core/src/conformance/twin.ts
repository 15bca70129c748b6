/**
 * @checkpointkit/core/conformance/twin — the child side of the twin process protocol
 * (./twin-process.ts), free of vitest. A target's `twinProcess.start` forks a script that opens
 * an adapter on the parent's store and hands it here:
 *
 *   import { serveTwinProcess } from '@checkpointkit/core/conformance/twin';
 *   await serveTwinProcess(createMyAdapter({ path: process.argv[2], clock: () => nowMs }));
 */
import type { Adapter } from '../adapter.js';
import type { TwinMessage } from './twin-process.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Serves the parent's requests until it disconnects, then closes `adapter`. */
export async function serveTwinProcess<Tx>(adapter: Adapter<Tx>): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveTwinProcess: this process has no IPC channel (fork it)');
  const reply = (message: TwinMessage): void => {
    send(message);
  };
  const hold = async (request: Extract<TwinMessage, { type: 'hold' }>): Promise<void> => {
    try {
      await adapter.transaction(async (tx) => {
        await adapter.checkpoints.insertIn(tx, request.key, { ttlMs: request.ttlMs });
        reply({ type: 'holding', id: request.id });
        await sleep(request.holdMs);
      });
      reply({ type: 'done', id: request.id });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      reply({ type: 'done', id: request.id, error: { name, message } });
    }
  };
  await new Promise<void>((resolve) => {
    process.on('message', (raw) => {
      const message = raw as TwinMessage;
      if (message.type === 'hold') void hold(message);
    });
    process.once('disconnect', resolve);
    reply({ type: 'ready' });
  });
  await adapter.close();
}
