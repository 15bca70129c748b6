// Commit sessions until killed (or until `sessions` are done): a MultiCommitter over two
// CommittableDatasets. Session n writes orders/order-n, ledger/entry-n, and ledger/balance =
// committed balance + 1 (so a session applied twice would count twice). On start it recovers an
// unfinished session with the same key, then replays the last session the test saw acknowledged,
// then continues with new ones.
import { randomUUID } from 'node:crypto';
import { MultiCommitter } from '@checkpointkit/core';
import { args, openAdapter, readyThenGo, runWorker, send, sleep } from './harness.mjs';

const encode = (text) => new TextEncoder().encode(text);
const decode = (bytes) => (bytes === null ? null : new TextDecoder().decode(bytes));
const keyOf = (n) => encode(`session-${String(n).padStart(8, '0')}`);

runWorker(async () => {
  const { options } = args();
  const adapter = openAdapter();
  const ledger = adapter.sessions.committable('ledger');
  const orders = adapter.sessions.committable('orders', {
    // The user's own write in the dataset's transaction, then a pause inside it.
    onCommit: async (tx, changes) => {
      tx.insert('session_effects', { Id: randomUUID(), Changes: changes.length });
      await sleep(1);
    },
  });
  const committer = new MultiCommitter(adapter.sessions.kv('pipeline'), { ledger, orders });

  async function session(n) {
    const key = keyOf(n);
    await committer.begin(key);
    orders.set(`order-${n}`, encode(String(n)));
    ledger.set(`entry-${n}`, encode(String(n)));
    const balance = Number(decode(await ledger.get('balance')) ?? '0');
    ledger.set('balance', encode(String(balance + 1)));
    return committer.commit(key);
  }
  const hex = (bytes) => Buffer.from(bytes).toString('hex');

  await readyThenGo(adapter);
  const unfinished = await committer.unfinishedKey();
  if (unfinished) {
    const n = Number(/(\d+)$/.exec(decode(unfinished))[1]);
    await send({ type: 'ack', what: 'recovered', n, id: hex(await session(n)) });
  }
  if (options.replay !== undefined) {
    const n = options.replay;
    await send({ type: 'ack', what: 'replayed', n, id: hex(await session(n)) });
  }
  for (;;) {
    const n = Number(decode(await ledger.get('balance')) ?? '0') + 1;
    if (options.sessions !== undefined && n > options.sessions) break;
    await send({ type: 'ack', what: 'session', n, id: hex(await session(n)) });
  }
  await send({ type: 'done' });
  await adapter.close();
});
