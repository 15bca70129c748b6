/**
 * Commit sessions on Redis (SessionBackend): a KV namespace is one hash, a dataset one rows hash
 * plus its marker hash, each under its own hash tag; see README.md, "Key layout".
 *
 * datasetApply reads the marker and applies core's decideDatasetApply; when the session must be
 * applied, the changes, the new marker and onCommit's queued commands go in one commit-unit
 * whose guard re-checks that the marker is still the one decided on. A marker that moved in
 * between aborts the unit, and the whole step runs again (onCommit included).
 */
import {
  compareUtf8,
  type DatasetMarker,
  decideDatasetApply,
  retryAborted,
  type SessionBackend,
  TransactionAbortedError,
  viewBytes,
} from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';
import type { RedisContext } from '../context.js';
import { redisCall } from '../errors.js';
import { sessionKvWrite } from '../lua/session-kv-write.js';
import type { RedisTx } from '../tx/tx.js';

export function redisSessions(context: RedisContext): SessionBackend<RedisTx> {
  const { client, layout, units, journal, options } = context;

  async function datasetMarker(dataset: string): Promise<DatasetMarker | null> {
    const [key, id] = await redisCall('dataset marker', () =>
      client.hmgetBuffer(layout.datasetMarker(dataset), 'key', 'id'),
    );
    return key && id ? { key: viewBytes(key), id: viewBytes(id) } : null;
  }

  return {
    async kvGet(namespace, key) {
      const value = await redisCall('session kv get', () =>
        client.hgetBuffer(layout.sessionKv(namespace), key),
      );
      return value === null ? null : viewBytes(value);
    },
    async kvSet(namespace, key, value) {
      await journal.write(
        sessionKvWrite,
        layout.sessionKvTag(namespace),
        [layout.sessionKv(namespace)],
        [key, '1', asBuffer(value)],
      );
    },
    async kvDelete(namespace, key) {
      await journal.write(
        sessionKvWrite,
        layout.sessionKvTag(namespace),
        [layout.sessionKv(namespace)],
        [key, '0', ''],
      );
    },

    async datasetGet(dataset, key) {
      const value = await redisCall('dataset get', () =>
        client.hgetBuffer(layout.datasetRows(dataset), key),
      );
      return value === null ? null : viewBytes(value);
    },
    async datasetKeys(dataset) {
      const keys = await redisCall('dataset keys', () => client.hkeys(layout.datasetRows(dataset)));
      return keys.sort(compareUtf8);
    },
    datasetMarker,

    datasetApply(dataset, changes, marker, monotonicKeys, onCommit) {
      return retryAborted(`dataset ${JSON.stringify(dataset)} commit`, options.retry, async () => {
        const stored = await datasetMarker(dataset);
        const appliedId = decideDatasetApply(dataset, stored, marker.key, monotonicKeys);
        if (appliedId) return { applied: false as const, id: appliedId };
        const { state, tx } = units.open(layout.datasetTag(dataset));
        state.guards.push({
          kind: 'marker',
          marker: layout.datasetMarker(dataset),
          rows: layout.datasetRows(dataset),
          expected: stored?.key ?? null,
          next: marker,
          changes,
        });
        try {
          await onCommit?.(tx, changes);
        } catch (error) {
          units.abandon(state);
          throw error;
        }
        const outcome = await units.commit(state);
        if (outcome.kind === 'marker')
          throw new TransactionAbortedError(`dataset ${JSON.stringify(dataset)}: marker moved`);
        return { applied: true as const };
      });
    },
  };
}
