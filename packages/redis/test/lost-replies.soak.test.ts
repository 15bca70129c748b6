/**
 * Soak: a stream of mixed writes through a fault proxy that cuts connections at seeded random
 * moments (reply lost, cut right after the request, cut right after the reply), while another
 * process writes to the same records. In both ioredis modes. Whatever the cuts, every call ends
 * one of the three ways, and the store shows: no label at two ids, no run applied twice,
 * generation = runs applied, every acknowledged write present, nothing reported retryable that
 * was applied. Seeds are printed; CHECKPOINTKIT_SOAK_SEED replays one.
 */
import { hlc, OutcomeUnknownError } from '@checkpointkit/core';
import type { ProxyFaultKind } from '@checkpointkit/test-services';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisAdapter, type RedisAdapter } from '../src/index.js';
import { connectionOf, deletePrefix, uniquePrefix } from './support/clients.js';
import {
  type ClientMode,
  type LossyClient,
  loseNextWriteReply,
  lossyClient,
} from './support/lossy-connections.js';

const CALLS = 320;
const MIN_CUTS = 50;
const CUT_PROBABILITY = 0.3;
const FAULT_KINDS: ProxyFaultKind[] = [
  'lose-reply',
  'lose-reply',
  'cut-after-request',
  'cut-after-reply',
];
const TTL = { ttlMs: 60 * 60 * 1000 };

/** xorshift32: the same seed, the same cuts. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

type Ending = 'acknowledged' | 'not-applied' | 'unknown';

async function ending<T>(call: Promise<T>): Promise<{ ending: Ending; value?: T }> {
  try {
    return { ending: 'acknowledged', value: await call };
  } catch (error) {
    if (error instanceof OutcomeUnknownError) return { ending: 'unknown' };
    const retryable = (error as { retryable?: boolean }).retryable;
    // A retryable failure promises that nothing was written; checked against the store below.
    if (retryable === true) return { ending: 'not-applied' };
    throw error;
  }
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

const seedFor = (mode: ClientMode): number =>
  Number(process.env.CHECKPOINTKIT_SOAK_SEED ?? (mode === 'resend' ? 20261202 : 1202));

describe.each<ClientMode>(['resend', 'reject'])('lost replies, client mode %s', (mode) => {
  it(`${CALLS} mixed writes with ≥ ${MIN_CUTS} seeded cuts and a second writer: every invariant holds`, async () => {
    const seed = seedFor(mode);
    console.info(`soak (${mode}): seed ${seed} (CHECKPOINTKIT_SOAK_SEED=${seed} replays it)`);
    const next = random(seed);
    const lossy: LossyClient = await lossyClient(mode);
    opened.push(lossy);
    // A millisecond each way keeps several commands in flight when a cut lands.
    for (const proxy of lossy.proxies) proxy.delayMs = 1;
    const keyPrefix = uniquePrefix(`soak-${mode}`);
    const a: RedisAdapter = createRedisAdapter({ client: lossy.client }, { keyPrefix });
    await a.setup();
    const b = createRedisAdapter(connectionOf('standalone'), { keyPrefix });
    opened.push({
      close: async () => {
        await deletePrefix(b.client, keyPrefix);
        await b.close();
        await a.close();
      },
    });
    const group = await a.groups.start('soak', { pollIntervalMs: 60_000 });
    opened.push({ close: () => group.stop() });
    await group.ensure(['p']);
    type Count = { count: number };
    await a.nodes<Count>().for('pool').create({ count: 0 });

    const labels = new Map<string, Ending>();
    const runs: Ending[] = [];
    const onceKeys = new Map<string, Ending>();
    const inserted = new Map<string, Ending>();
    const kvWrites = new Map<string, Ending>();
    let otherLabels = 0;
    let otherRuns = 0;
    let advancedTo = 0;

    for (let i = 0; i < CALLS; i++) {
      if (next() < CUT_PROBABILITY) {
        const kind = FAULT_KINDS[Math.floor(next() * FAULT_KINDS.length)] as ProxyFaultKind;
        const withOther = next() < 0.5;
        loseNextWriteReply(lossy, {
          kind,
          between: withOther
            ? async () => {
                await b.operations.open('soak').checkpoint(`b-${i}`, new Uint8Array([2]));
                otherLabels += 1;
                await b
                  .nodes<Count>()
                  .for('pool')
                  .run((s) => ({ count: s.count + 1000 }));
                otherRuns += 1;
              }
            : undefined,
        });
      }
      switch (i % 5) {
        case 0: {
          const label = `a-${i}`;
          const r = await ending(a.operations.open('soak').checkpoint(label, new Uint8Array([1])));
          labels.set(label, r.ending);
          break;
        }
        case 1: {
          const r = await ending(
            a
              .nodes<Count>()
              .for('pool')
              .run((s) => ({ count: s.count + 1 })),
          );
          runs.push(r.ending);
          break;
        }
        case 2: {
          const k = { project: 'soak', resourceId: `r-${i}`, processId: 'once' };
          const r = await ending(
            a.checkpoints.runOnce(k, TTL, async (tx) => {
              tx.incrby(tx.key('effect'), 1);
            }),
          );
          if (r.ending === 'acknowledged')
            expect(r.value, 'a fresh key runs').toMatchObject({ ran: true });
          onceKeys.set(k.resourceId, r.ending);
          break;
        }
        case 3: {
          const k = { project: 'soak', resourceId: `t-${i}`, processId: 'insert' };
          const r = await ending(a.checkpoints.tryInsert(k, TTL));
          if (r.ending === 'acknowledged')
            expect(r.value, 'its own insert reads as true').toBe(true);
          inserted.set(k.resourceId, r.ending);
          break;
        }
        default: {
          advancedTo += 1;
          const ts = advancedTo;
          // ending() fails the test on any other error, such as a resend read as a regression.
          await ending(group.advance('p', hlc(ts)));
          const kv = await ending(a.sessions.kv('soak').set(`k-${i}`, new Uint8Array([ts % 256])));
          kvWrites.set(`k-${i}`, kv.ending);
          break;
        }
      }
    }
    expect(lossy.firedCount(), 'enough cuts actually happened').toBeGreaterThanOrEqual(MIN_CUTS);

    // Operation checkpoints: no label at two ids; acknowledged present; not-applied absent.
    const op = b.operations.open('soak');
    const stored = new Map<string, number>();
    for (const id of await op.list()) {
      const label = (await op.load(id)).label;
      stored.set(label, (stored.get(label) ?? 0) + 1);
    }
    for (const [label, count] of stored) expect(count, `label ${label} at one id`).toBe(1);
    for (const [label, end] of labels) {
      if (end === 'acknowledged') expect(stored.get(label), `acknowledged ${label}`).toBe(1);
      if (end === 'not-applied')
        expect(stored.get(label), `${label} reported retryable`).toBeUndefined();
    }
    expect([...stored.keys()].filter((l) => l.startsWith('b-')).length).toBe(otherLabels);

    // Node runs: each applied exactly once; generation = 1 (create) + runs applied.
    const state = b.nodes<Count>().new('pool');
    const { count } = await state.get();
    const otherPart = Math.floor(count / 1000);
    const mine = count % 1000;
    expect(otherPart, "the other writer's runs, each once").toBe(otherRuns);
    const acknowledged = runs.filter((e) => e === 'acknowledged').length;
    const unknown = runs.filter((e) => e === 'unknown').length;
    expect(mine, 'acknowledged runs applied once each').toBeGreaterThanOrEqual(acknowledged);
    expect(mine, 'no run applied twice').toBeLessThanOrEqual(acknowledged + unknown);
    const { generation } = await state.run(() => {});
    expect(generation, 'generation = runs applied').toBe(1 + mine + otherRuns + 1);

    // runOnce: the work's write exactly once for acknowledged keys, never twice anywhere.
    for (const [resourceId, end] of onceKeys) {
      const effect = await b.client.get(
        b.colocatedKey({ checkpoint: { project: 'soak', resourceId } }, 'effect'),
      );
      if (end === 'acknowledged') expect(effect, `runOnce ${resourceId}`).toBe('1');
      else if (end === 'not-applied')
        expect(effect, `runOnce ${resourceId} reported retryable`).toBeNull();
      else
        expect(effect === null || effect === '1', `runOnce ${resourceId} at most once`).toBe(true);
    }
    for (const [resourceId, end] of inserted) {
      const live = await b.checkpoints.exists({ project: 'soak', resourceId, processId: 'insert' });
      if (end === 'acknowledged') expect(live, `tryInsert ${resourceId}`).toBe(true);
      if (end === 'not-applied')
        expect(live, `tryInsert ${resourceId} reported retryable`).toBe(false);
    }
    for (const [key, end] of kvWrites) {
      const value = await b.sessions.kv('soak').get(key);
      if (end === 'acknowledged') expect(value, `kv ${key}`).not.toBeNull();
      if (end === 'not-applied') expect(value, `kv ${key} reported retryable`).toBeNull();
    }
    console.info(
      `soak (${mode}): ${lossy.firedCount()} cuts; runs ${acknowledged} acknowledged, ${unknown} unknown, ${runs.filter((e) => e === 'not-applied').length} not applied`,
    );
  });
});
