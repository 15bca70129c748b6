/**
 * The contract, §1 (docs/contract.md), idempotent results: runOnce and claim keep the first run's
 * result (a codec, bounded) and the request fingerprint (its sha256) with the checkpoint, in the
 * same write; a replay returns the decoded result, a replay with another fingerprint is refused,
 * records written without them keep working, and waitFor returns a result a twin completes.
 */
import { expect } from 'vitest';
import { sha256Hex, utf8Encode } from '../../bytes.js';
import type { RunOnceResult } from '../../checkpoints/types.js';
import {
  AlreadyExistsError,
  IdempotencyKeyMismatchError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from '../../errors.js';
import type { ConformanceCase } from '../harness.js';
import {
  type AnyAdapter,
  bytes,
  cases,
  expectError,
  HOUR_MS,
  key,
  MINUTE_MS,
  processes,
} from './support.js';

const RULE = '§1 idempotent results';
const TTL = HOUR_MS;

interface Charge {
  readonly chargeId: string;
  readonly cents: number;
}

/** runOnce with a JSON result: the effect is the probe write, the result a charge. */
function charge(
  a: AnyAdapter,
  probe: (tx: unknown) => void | Promise<void>,
  id: string,
  fingerprint?: string,
): Promise<RunOnceResult<Charge>> {
  return a.checkpoints.runOnce<Charge>(
    key({ uniquifier: 'order-42' }),
    { ttlMs: TTL, result: 'json', ...(fingerprint !== undefined ? { fingerprint } : {}) },
    async (tx) => {
      await probe(tx);
      return { chargeId: id, cents: 4200 };
    },
  );
}

export const resultCases: ConformanceCase[] = cases([
  {
    id: 'checkpoints/results/json-roundtrip',
    spec: `${RULE}: with result, runOnce stores what work returns; a replay returns it decoded without calling work`,
    async run(ctx) {
      const a = await ctx.adapter();
      const first = await charge(a, (tx) => ctx.probe.writeInTx(tx, 'effect', 'first'), 'ch_1');
      expect(first, `${RULE}: the first call runs`).toEqual({
        ran: true,
        value: { chargeId: 'ch_1', cents: 4200 },
      });
      let calls = 0;
      const replay = await charge(
        a,
        async () => {
          calls++;
        },
        'ch_2',
      );
      expect(calls, `${RULE}: a replay does not call work`).toBe(0);
      expect(replay.ran, `${RULE}: a replay does not run`).toBe(false);
      expect(
        replay.ran ? null : replay.value,
        `${RULE}: a replay returns the first result`,
      ).toEqual({ chargeId: 'ch_1', cents: 4200 });
      expect(await ctx.probe.read(a, 'effect'), '§1 the first effect, once').toBe('first');
    },
  },
  {
    id: 'checkpoints/results/bytes-roundtrip',
    spec: `${RULE}: a result may be bytes ('bytes' codec), returned byte for byte`,
    async run(ctx) {
      const a = await ctx.adapter();
      const payload = bytes(a.limits.maxResultBytes, 7);
      const k = key({ uniquifier: 'blob' });
      await a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'bytes' }, async () => payload);
      const replay = await a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'bytes' }, async () =>
        bytes(10, 8),
      );
      expect(replay.ran).toBe(false);
      const value = replay.ran ? null : (replay.value as Uint8Array);
      expect(value?.byteLength, `${RULE}: a result of exactly maxResultBytes is kept whole`).toBe(
        payload.byteLength,
      );
      expect(
        Buffer.from(value ?? new Uint8Array()).equals(Buffer.from(payload)),
        `${RULE}: the bytes come back unchanged`,
      ).toBe(true);
    },
  },
  {
    id: 'checkpoints/results/replay-after-reopen',
    spec: `${RULE}: the result is stored, not cached: another process replays it`,
    async run(ctx) {
      const [a, b] = await processes(ctx, 2);
      await charge(a as AnyAdapter, async () => {}, 'ch_1');
      const replay = await charge(b as AnyAdapter, async () => {}, 'ch_2');
      expect(
        replay.ran ? null : replay.value,
        `${RULE}: the other process gets the first result`,
      ).toEqual({ chargeId: 'ch_1', cents: 4200 });
    },
  },
  {
    id: 'checkpoints/results/fingerprint-mismatch-refused',
    spec: `${RULE}: a replay with another fingerprint fails with IdempotencyKeyMismatchError carrying both hashes, writing nothing`,
    async run(ctx) {
      const a = await ctx.adapter();
      const first = await charge(a, async () => {}, 'ch_1', 'POST /charge {"cents":4200}');
      expect(first.ran).toBe(true);
      const [stored] = await a.checkpoints.readAllForTesting();
      ctx.clock.advance(MINUTE_MS);
      let calls = 0;
      const error = await expectError(
        charge(
          a,
          async (tx) => {
            calls++;
            await ctx.probe.writeInTx(tx, 'effect', 'second');
          },
          'ch_2',
          'POST /charge {"cents":9900}',
        ),
        IdempotencyKeyMismatchError,
      );
      expect(error.storedFingerprint, `${RULE}: the stored fingerprint is the sha256`).toBe(
        sha256Hex(utf8Encode('POST /charge {"cents":4200}')),
      );
      expect(error.requestedFingerprint, `${RULE}: and the requested one`).toBe(
        sha256Hex(utf8Encode('POST /charge {"cents":9900}')),
      );
      expect(calls, `${RULE}: work is not called`).toBe(0);
      expect(await ctx.probe.read(a, 'effect'), `${RULE}: nothing written`).toBeNull();
      expect(
        await a.checkpoints.readAllForTesting(),
        `${RULE}: the checkpoint is unchanged`,
      ).toEqual([stored]);
    },
  },
  {
    id: 'checkpoints/results/fingerprint-equal-accepted',
    spec: `${RULE}: a replay with the same fingerprint (string or bytes of it) is a normal replay`,
    async run(ctx) {
      const a = await ctx.adapter();
      await charge(a, async () => {}, 'ch_1', 'request-1');
      const replay = await a.checkpoints.runOnce<Charge>(
        key({ uniquifier: 'order-42' }),
        { ttlMs: TTL, result: 'json', fingerprint: utf8Encode('request-1') },
        async () => ({ chargeId: 'ch_2', cents: 1 }),
      );
      expect(replay.ran ? null : replay.value, `${RULE}: the first result`).toEqual({
        chargeId: 'ch_1',
        cents: 4200,
      });
    },
  },
  {
    id: 'checkpoints/results/oversize-refused',
    spec: `${RULE}: a result larger than maxResultBytes fails with PayloadTooLargeError before anything is written`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'too-big' });
      const error = await expectError(
        a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'bytes' }, async (tx) => {
          await ctx.probe.writeInTx(tx, 'effect', 'written?');
          return bytes(a.limits.maxResultBytes + 1);
        }),
        PayloadTooLargeError,
      );
      expect(error.limit, `${RULE}: the error names the limit`).toBe(a.limits.maxResultBytes);
      expect(await a.checkpoints.exists(k), `${RULE}: no checkpoint`).toBe(false);
      expect(
        await ctx.probe.read(a, 'effect'),
        `${RULE}: the work's writes rolled back`,
      ).toBeNull();
    },
  },
  {
    id: 'checkpoints/results/records-without-fields',
    spec: `${RULE}: a checkpoint stored without result and fingerprint replays with value undefined and no fingerprint check`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'old' });
      await a.checkpoints.runOnce(k, { ttlMs: TTL }, async () => 'not kept');
      await a.checkpoints.insert(key({ uniquifier: 'inserted' }), { ttlMs: TTL });
      for (const uniquifier of ['old', 'inserted']) {
        const replay = await a.checkpoints.runOnce(
          key({ uniquifier }),
          { ttlMs: TTL, result: 'json', fingerprint: 'anything' },
          async () => 'new',
        );
        expect(replay, `${RULE}: ${uniquifier}: replayed, nothing to decode`).toMatchObject({
          ran: false,
          value: undefined,
        });
      }
    },
  },
  {
    id: 'checkpoints/results/released-claim-leaves-nothing',
    spec: `${RULE}: a released claim leaves nothing behind: the key inserted again carries no fingerprint of the claim`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'released' });
      const claim = await a.checkpoints.claim(k, {
        leaseMs: MINUTE_MS,
        owner: 'worker-1',
        fingerprint: 'export #1',
      });
      await claim.release();
      await a.checkpoints.insert(k, { ttlMs: TTL });
      const replay = await a.checkpoints.runOnce(
        k,
        { ttlMs: TTL, result: 'json', fingerprint: 'export #2' },
        async () => 'new',
      );
      expect(
        replay,
        `${RULE}: the released claim's fingerprint is gone with it: a plain replay`,
      ).toMatchObject({ ran: false, value: undefined });
    },
  },
  {
    id: 'checkpoints/results/expired-key-runs-again',
    spec: `${RULE}: an expired checkpoint is absent: another fingerprint runs, and stores its own result`,
    async run(ctx) {
      const a = await ctx.adapter();
      await charge(a, async () => {}, 'ch_1', 'first');
      ctx.clock.advance(TTL);
      const again = await charge(a, async () => {}, 'ch_2', 'second');
      expect(again, `${RULE}: runs after expiry`).toEqual({
        ran: true,
        value: { chargeId: 'ch_2', cents: 4200 },
      });
      const replay = await charge(a, async () => {}, 'ch_3', 'second');
      expect(replay.ran ? null : replay.value, `${RULE}: the new result`).toEqual({
        chargeId: 'ch_2',
        cents: 4200,
      });
    },
  },
  {
    id: 'checkpoints/results/concurrent-one-result',
    spec: `${RULE}: N callers race one key: one runs, every other returns its result`,
    async run(ctx) {
      const adapters = await processes(ctx, ctx.concurrency);
      const k = key({ uniquifier: 'race' });
      const outcomes = await Promise.all(
        adapters.map((a, i) =>
          a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'json' }, async () => ({ winner: i })),
        ),
      );
      const ran = outcomes.filter((o) => o.ran);
      expect(ran.length, `${RULE}: exactly one caller ran`).toBe(1);
      const winner = (ran[0] as { value: { winner: number } }).value;
      for (const o of outcomes.filter((o) => !o.ran)) {
        expect(o.ran ? null : o.value, `${RULE}: the others get the winner's result`).toEqual(
          winner,
        );
      }
    },
  },
  {
    id: 'checkpoints/results/claim-complete-value',
    spec: `${RULE}: claim takes result and fingerprint; complete({ value }) stores the result; replays of the key are checked`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'export' });
      const claim = await a.checkpoints.claim<Charge>(k, {
        leaseMs: MINUTE_MS,
        owner: 'worker-1',
        result: 'json',
        fingerprint: 'export #1',
      });
      await expectError(
        a.checkpoints.claim(k, { leaseMs: MINUTE_MS, owner: 'worker-2', fingerprint: 'export #2' }),
        IdempotencyKeyMismatchError,
      );
      await expectError(
        a.checkpoints.claim(k, { leaseMs: MINUTE_MS, owner: 'worker-2', fingerprint: 'export #1' }),
        AlreadyExistsError,
      );
      await claim.complete({ ttlMs: TTL, value: { chargeId: 'ex_1', cents: 1 } });
      const done = await a.checkpoints.waitFor<Charge>(k, { result: 'json' });
      expect(done.value, `${RULE}: the completed claim's result`).toEqual({
        chargeId: 'ex_1',
        cents: 1,
      });
      await expectError(
        a.checkpoints.claim(k, { leaseMs: MINUTE_MS, owner: 'worker-3', fingerprint: 'export #2' }),
        IdempotencyKeyMismatchError,
      );
      const replay = await a.checkpoints.runOnce<Charge>(
        k,
        { ttlMs: TTL, result: 'json', fingerprint: 'export #1' },
        async () => ({ chargeId: 'never', cents: 0 }),
      );
      expect(replay.ran ? null : replay.value, `${RULE}: runOnce replays a claim's result`).toEqual(
        {
          chargeId: 'ex_1',
          cents: 1,
        },
      );
    },
  },
  {
    id: 'checkpoints/results/wait-for-twin',
    spec: `${RULE}: waitFor returns the result once another process completes its claim`,
    timeoutMs: 30_000,
    async run(ctx) {
      const [a, b] = (await processes(ctx, 2)) as [AnyAdapter, AnyAdapter];
      const k = key({ uniquifier: 'slow' });
      const claim = await a.checkpoints.claim<Charge>(k, {
        leaseMs: MINUTE_MS,
        owner: 'worker-1',
        result: 'json',
      });
      const waiting = b.checkpoints.waitFor<Charge>(k, {
        result: 'json',
        timeoutMs: 20_000,
        pollIntervalMs: 20,
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      await claim.complete({ ttlMs: TTL, value: { chargeId: 'slow_1', cents: 7 } });
      expect((await waiting).value, `${RULE}: the twin's result`).toEqual({
        chargeId: 'slow_1',
        cents: 7,
      });
    },
  },
  {
    id: 'checkpoints/results/wait-for-absent',
    spec: `${RULE}: waitFor on a key with neither a checkpoint nor a claim (or a released one) fails with NotFoundError`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'nobody' });
      await expectError(a.checkpoints.waitFor(k, { timeoutMs: 1000 }), NotFoundError);
      const claim = await a.checkpoints.claim(k, { leaseMs: MINUTE_MS, owner: 'w' });
      await claim.release();
      await expectError(a.checkpoints.waitFor(k, { timeoutMs: 1000 }), NotFoundError);
    },
  },
  {
    id: 'checkpoints/results/validation',
    spec: `${RULE}: a bad result codec or fingerprint is a ValidationError naming it, nothing written`,
    async run(ctx) {
      const a = await ctx.adapter();
      const k = key({ uniquifier: 'bad' });
      const work = async (): Promise<string> => 'x';
      await expectError(
        a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'yaml' as 'json' }, work),
        ValidationError,
        'result',
      );
      await expectError(
        a.checkpoints.runOnce(k, { ttlMs: TTL, fingerprint: 42 as unknown as string }, work),
        ValidationError,
        'fingerprint',
      );
      await expectError(
        a.checkpoints.runOnce(k, { ttlMs: TTL, result: 'bytes' }, work),
        ValidationError,
        'result',
      );
      expect(await a.checkpoints.exists(k), `${RULE}: nothing written`).toBe(false);
    },
  },
]);
