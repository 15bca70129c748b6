/**
 * Commit sessions on Datastore. The session KV of a namespace is one entity group
 * (`SessionNamespace` → `SessionKv`); a dataset is one entity group whose root entity, `Dataset`,
 * is its (lastKey, lastId) marker, with a `DatasetRow` child per key (see ./kinds.ts).
 * `datasetApply` is one transaction: read the marker, core's `decideDatasetApply`, then the
 * changes, the new marker and the user's onCommit — all committed together or not at all.
 *
 * Values are at most core's MAX_SESSION_VALUE_BYTES (1,000,000), so one value always fits one
 * entity. A session's changes are one commit, so together they must fit one commit's limits
 * (500 mutations, 4 MiB): a larger session is refused with PayloadTooLargeError, nothing written.
 */
import {
  compareUtf8,
  type DatasetMarker,
  decideDatasetApply,
  PayloadTooLargeError,
  type SessionBackend,
} from '@checkpointkit/core';
import type { Key } from '@google-cloud/datastore';
import {
  bytesOf,
  type DatastoreConnection,
  type DatastoreTx,
  type EntityWrite,
  newWriteId,
  type StoredEntity,
  stored,
} from './connection.js';
import { nameOf, userStringOf } from './kinds.js';
import {
  entityBytes,
  keyBytes,
  MAX_MUTATIONS_PER_COMMIT,
  REQUEST_PAYLOAD_BUDGET,
} from './limits.js';

/** Mutations a session's changes may use: the rest of a commit is the marker and the user's writes. */
const MAX_CHANGES_PER_SESSION = MAX_MUTATIONS_PER_COMMIT - 100;

export function datastoreSessions(c: DatastoreConnection): SessionBackend<DatastoreTx> {
  const k = c.kinds;
  const kvKey = (namespace: string, key: string): Key =>
    c.key([k.SessionNamespace, nameOf(namespace), k.SessionKv, nameOf(key)]);
  const datasetKey = (dataset: string): Key => c.key([k.Dataset, nameOf(dataset)]);
  const rowKey = (dataset: string, key: string): Key =>
    c.key([k.Dataset, nameOf(dataset), k.DatasetRow, nameOf(key)]);

  const toMarker = (entity: StoredEntity | null): DatasetMarker | null =>
    entity ? { key: bytesOf(entity.lastKey), id: bytesOf(entity.lastId) } : null;

  const valueWrite = (key: Key, value: Uint8Array): EntityWrite => ({
    key,
    data: [stored('value', value)],
  });

  return {
    async kvGet(namespace, key) {
      const entity = await c.get('sessions.kv.get', kvKey(namespace, key));
      return entity ? bytesOf(entity.value) : null;
    },
    kvSet(namespace, key, value) {
      let writeId = '';
      const entityKey = kvKey(namespace, key);
      return c.transaction(
        'sessions.kv.set',
        async (tx) => {
          writeId = newWriteId();
          const write = valueWrite(entityKey, value);
          c.save(tx, 'sessions.kv.set', {
            key: entityKey,
            data: [...write.data, stored('writeId', writeId)],
          });
        },
        // A lost reply: the value is ours if it carries this attempt's writeId (a later writer's
        // set leaves the outcome unknown, and is never undone).
        async () => (await c.get('sessions.kv.readBack', entityKey))?.writeId === writeId,
      );
    },
    kvDelete: (namespace, key) =>
      c.transaction('sessions.kv.delete', async (tx) => {
        tx.delete(kvKey(namespace, key));
      }),

    async datasetGet(dataset, key) {
      const entity = await c.get('sessions.dataset.get', rowKey(dataset, key));
      return entity ? bytesOf(entity.value) : null;
    },
    async datasetKeys(dataset) {
      const keys = await c.keys(
        'sessions.dataset.keys',
        c.query(k.DatasetRow).hasAncestor(datasetKey(dataset)),
      );
      return keys.map((key) => userStringOf(key.name as string)).sort(compareUtf8);
    },
    async datasetMarker(dataset) {
      return toMarker(await c.get('sessions.dataset.marker', datasetKey(dataset)));
    },

    async datasetApply(dataset, changes, marker, monotonicKeys, onCommit) {
      const writes = changes.map(({ key, value }) =>
        value === null ? null : valueWrite(rowKey(dataset, key), value),
      );
      const bytes = changes.reduce(
        (sum, change, i) =>
          sum +
          (writes[i]
            ? entityBytes(rowKey(dataset, change.key), writes[i]?.data)
            : keyBytes(rowKey(dataset, change.key))),
        0,
      );
      if (changes.length > MAX_CHANGES_PER_SESSION) {
        throw new PayloadTooLargeError('changes', changes.length, MAX_CHANGES_PER_SESSION);
      }
      if (bytes > REQUEST_PAYLOAD_BUDGET / 2) {
        throw new PayloadTooLargeError('changes (bytes)', bytes, REQUEST_PAYLOAD_BUDGET / 2);
      }
      let writeId = '';
      return c.transaction(
        'sessions.dataset.commit',
        async (tx) => {
          const stored_ = toMarker(await c.get('sessions.dataset.commit', datasetKey(dataset), tx));
          const appliedId = decideDatasetApply(dataset, stored_, marker.key, monotonicKeys);
          if (appliedId) return { applied: false as const, id: appliedId };
          changes.forEach((change, i) => {
            const write = writes[i];
            if (write) c.save(tx, 'sessions.dataset.commit', write);
            else tx.delete(rowKey(dataset, change.key));
          });
          writeId = newWriteId();
          c.save(tx, 'sessions.dataset.commit', {
            key: datasetKey(dataset),
            data: [
              stored('lastKey', marker.key),
              stored('lastId', marker.id),
              stored('writeId', writeId),
            ],
          });
          await onCommit?.(tx, changes);
          return { applied: true as const };
        },
        // A lost reply: the marker carrying this attempt's writeId was written with the changes.
        async () =>
          (await c.get('sessions.dataset.readBack', datasetKey(dataset)))?.writeId === writeId,
      );
    },
  };
}
