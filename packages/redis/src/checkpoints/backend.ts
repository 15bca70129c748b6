/**
 * Run-once checkpoints on Redis (CheckpointBackend). The records of one (project, resourceId,
 * processId) are the fields of one hash under the resource's hash tag, indexed by a ZSET for
 * byte-wise paging; see README.md, "Key layout". Round trips: exists 1 (HGET); insert,
 * tryInsert and claim 1 (checkpoint-insert); runOnce 1 when the key is live (HGET), else 2
 * (HGET, then commit-unit with the user's commands).
 */
import {
  type CheckpointBackend,
  type CheckpointRecord,
  isLive,
  type NormalizedCheckpointKey,
  type RunOnceOutcome,
  retryAborted,
} from '@checkpointkit/core';
import { boundedMap } from '../bounded-map.js';
import type { RedisContext } from '../context.js';
import { redisCall } from '../errors.js';
import { checkpointInsert } from '../lua/checkpoint-insert.js';
import { checkpointLivePage } from '../lua/checkpoint-live-page.js';
import { checkpointPurge } from '../lua/checkpoint-purge.js';
import { checkpointReplaceClaim } from '../lua/checkpoint-replace-claim.js';
import { newNonce } from '../nonce.js';
import { UNIQUIFIER_SCAN_BUDGET } from '../options.js';
import { scanKeys, unlinkKeys } from '../scan.js';
import type { CheckpointGuard } from '../tx/guards.js';
import { bindAnchor, type RedisTx, unitOf } from '../tx/tx.js';
import {
  decodeRecordValue,
  encodeExtras,
  encodeRecordValue,
  extrasField,
  gcTtlMs,
  recordNonce,
  withExtras,
} from './record.js';

/** Larger than any adapter-clock time: "nothing is live", for setForTesting's writes. */
const END_OF_TIME_MS = Number.MAX_SAFE_INTEGER;

export function redisCheckpoints(context: RedisContext): CheckpointBackend<RedisTx> {
  const { client, scripts, layout, units, journal, options } = context;
  type Where = Pick<NormalizedCheckpointKey, 'project' | 'resourceId' | 'processId'>;
  const recordsOf = (k: Where): string =>
    layout.checkpointRecords(k.project, k.resourceId, k.processId);
  const indexOf = (k: Where): string =>
    layout.checkpointIndex(k.project, k.resourceId, k.processId);

  /** The record and its extras (result, fingerprint): one HMGET. */
  async function read(key: NormalizedCheckpointKey): Promise<CheckpointRecord | null> {
    const [value, extras] = await redisCall('checkpoint read', () =>
      client.hmgetBuffer(recordsOf(key), key.uniquifier, extrasField(key.uniquifier)),
    );
    return value === null ? null : withExtras(decodeRecordValue(key, value.toString()), extras);
  }

  /**
   * A live record a script returned (its value only), with its extras read beside it if it is
   * still the same record; off the hot path (a claim's replay, a lost runOnce race).
   */
  async function withStoredExtras(
    key: NormalizedCheckpointKey,
    value: string,
  ): Promise<CheckpointRecord> {
    const [now, extras] = await redisCall('checkpoint read', () =>
      client.hmgetBuffer(recordsOf(key), key.uniquifier, extrasField(key.uniquifier)),
    );
    const record = decodeRecordValue(key, value);
    return now !== null && now.toString() === value ? withExtras(record, extras) : record;
  }

  function guard(
    record: CheckpointRecord,
    nowMs: number,
    nonce: string,
    own: boolean,
  ): CheckpointGuard {
    return {
      kind: 'checkpoint',
      records: recordsOf(record.key),
      index: indexOf(record.key),
      record,
      value: encodeRecordValue(record, nonce),
      extras: encodeExtras(record),
      nowMs,
      gcTtlMs: gcTtlMs(record, nowMs, options.gcGraceMs),
      own,
    };
  }

  /**
   * checkpoint-insert: writes `record` unless a record live at `liveAtMs` (default: now) is
   * stored, and returns that one. The GC ttl always counts from now.
   */
  async function insert(
    record: CheckpointRecord,
    nowMs: number,
    liveAtMs = nowMs,
  ): Promise<CheckpointRecord | null> {
    const { key } = record;
    const write = journal.keyed(layout.checkpointTag(key.project, key.resourceId));
    const live = await journal.writeKeyed(
      checkpointInsert,
      write,
      [recordsOf(key), indexOf(key)],
      [
        key.uniquifier,
        liveAtMs,
        encodeRecordValue(record, write.nonce),
        gcTtlMs(record, nowMs, options.gcGraceMs),
        encodeExtras(record),
      ],
      {
        applied: async () => {
          const stored = await redisCall('checkpoint read-back', () =>
            client.hget(recordsOf(key), key.uniquifier),
          );
          return stored !== null && recordNonce(stored) === write.nonce;
        },
        onApplied: () => null,
      },
    );
    if (live === null) return null;
    // A claim checks the live record's fingerprint; insert and tryInsert need only the record.
    return record.claim
      ? withStoredExtras(key, String(live))
      : decodeRecordValue(key, String(live));
  }

  const recordsKeys = (what: string): Promise<string[]> =>
    scanKeys(client, layout.checkpointRecordsPattern, what);

  return {
    read,

    insertUnlessLive: insert,

    async replaceClaim(key, token, next) {
      // Journaled: a resend of a release (which deletes the record) must not answer "lost".
      const replaced = await journal.write(
        checkpointReplaceClaim,
        layout.checkpointTag(key.project, key.resourceId),
        [recordsOf(key), indexOf(key)],
        [
          key.uniquifier,
          token,
          next ? encodeRecordValue(next, newNonce()) : '',
          next ? gcTtlMs(next, options.clock(), options.gcGraceMs) : 0,
          next ? encodeExtras(next) : '',
        ],
      );
      return replaced === 1;
    },

    insertIn(tx, record, nowMs) {
      const state = unitOf(tx, units.context);
      bindAnchor(state, layout.checkpointTag(record.key.project, record.key.resourceId));
      state.guards.push(guard(record, nowMs, state.nonce, false));
    },

    async runOnce<T>(
      record: CheckpointRecord,
      nowMs: number,
      work: (tx: RedisTx) => Promise<T>,
      completed?: (value: T) => CheckpointRecord,
    ): Promise<RunOnceOutcome<T>> {
      // The check that spares `work` when the key is live: one HGET. The commit re-checks.
      const existing = await read(record.key);
      if (existing && isLive(existing, nowMs)) return { ran: false, existing };
      const tag = layout.checkpointTag(record.key.project, record.key.resourceId);
      return retryAborted('runOnce', options.retry, async (): Promise<RunOnceOutcome<T>> => {
        const { state, tx } = units.open(tag);
        let value: T;
        try {
          value = await work(tx);
          // The record to write is known once work returned: it carries the encoded result.
          const written = completed ? completed(value) : record;
          state.guards.push(guard(written, nowMs, state.nonce, true));
        } catch (error) {
          units.abandon(state);
          throw error;
        }
        const outcome = await units.commit(state);
        // Another process committed between our check and our commit: its work stands, ours is dropped.
        if (outcome.kind === 'live')
          return { ran: false, existing: await withStoredExtras(record.key, outcome.value) };
        return { ran: true, value };
      });
    },

    async liveUniquifiers(prefix, nowMs, page) {
      const found: string[] = [];
      let after = page.after;
      for (;;) {
        const [exhausted, last, piece] = (await scripts.run(
          checkpointLivePage,
          [recordsOf(prefix), indexOf(prefix)],
          [
            nowMs,
            after === null ? '0' : '1',
            after ?? '',
            page.limit - found.length,
            UNIQUIFIER_SCAN_BUDGET,
          ],
        )) as [number, string, string[]];
        found.push(...piece);
        if (exhausted === 1 || found.length >= page.limit) return found;
        after = last;
      }
    },

    async purgeExpired(nowMs) {
      const counts = await boundedMap(await recordsKeys('purgeExpired'), 64, async (records) => {
        const where = layout.parseCheckpointRecords(records) as Where;
        return Number(await scripts.run(checkpointPurge, [records, indexOf(where)], [nowMs]));
      });
      return counts.reduce((sum, n) => sum + n, 0);
    },

    async readAll() {
      const all = await boundedMap(await recordsKeys('readAllForTesting'), 64, async (records) => {
        const where = layout.parseCheckpointRecords(records) as Where;
        const fields = await redisCall('readAllForTesting', () => client.hgetallBuffer(records));
        return Object.entries(fields)
          .filter(([field]) => !field.startsWith(extrasField('')))
          .map(([uniquifier, value]) =>
            withExtras(
              decodeRecordValue({ ...where, uniquifier }, value.toString()),
              fields[extrasField(uniquifier)] ?? null,
            ),
          );
      });
      return all.flat();
    },

    async replaceAll(records) {
      const existing = await recordsKeys('setForTesting');
      const indexes = existing.map((k) => indexOf(layout.parseCheckpointRecords(k) as Where));
      await unlinkKeys(client, [...existing, ...indexes], 'setForTesting');
      const nowMs = options.clock();
      // Nothing is live at the end of time: every record is written.
      await boundedMap(records, 64, (record) => insert(record, nowMs, END_OF_TIME_MS));
    },
  };
}
