/**
 * Operation checkpoints on Datastore. Each operation is one entity group: the `Operation` entity
 * (counter, floor, lease) with its `OperationCheckpoint` and `OperationChunk` children (see
 * ./kinds.ts). The checkpoints that exist are exactly the sequence numbers in
 * [floorSeq, lastSeq]:
 *
 *   append   lastSeq + 1, one new checkpoint                  (one transaction)
 *   compact  a new checkpoint at lastSeq + 1 holding the latest data, floorSeq = that number
 *   clear    floorSeq = lastSeq + 1                            (one transaction)
 *
 * so compact and clear are one small transaction however many checkpoints they drop; the dropped
 * entities are deleted afterwards (`collectGarbage`) and are never read meanwhile. lastSeq is
 * never lowered, so ids are never reused.
 *
 * Data of up to MAX_PIECE_BYTES is stored in the checkpoint entity. Larger data is written first
 * as chunks of a fresh blob (`<createdMs base36>-<random>`) in requests inside the production
 * limits, then referenced by the checkpoint's key name (`<seq>/<blob>`) in the transaction that
 * takes the sequence number; compact copies the reference, not the bytes. Chunks that no
 * checkpoint references — a crash between the chunks and the commit — are deleted by a later
 * compact or clear once older than ORPHAN_CHUNK_GRACE_MS, and an append refuses to commit a blob
 * older than half of that, so a slow writer never references a collected blob.
 */
import { randomBytes } from 'node:crypto';
import {
  BackendError,
  type Clock,
  CorruptStateError,
  checkFence,
  compareUtf8,
  concatBytes,
  type Fence,
  type OperationBackend,
  type OperationLeaseRecord,
  OutcomeUnknownError,
  type StoredOperationCheckpoint,
} from '@checkpointkit/core';
import { type Key, PropertyFilter } from '@google-cloud/datastore';
import {
  bytesOf,
  type DatastoreConnection,
  type DatastoreTx,
  type EntityWrite,
  indexed,
  keyId,
  newWriteId,
  type StoredEntity,
  stored,
} from './connection.js';
import { nameOf, userStringOf } from './kinds.js';
import { MAX_PIECE_BYTES, PIECES_PER_REQUEST } from './limits.js';

export const ORPHAN_CHUNK_GRACE_MS = 60 * 60 * 1000;
const SEQ_DIGITS = 16;
const CHUNK_DIGITS = 6;

interface OperationState {
  readonly lastSeq: number;
  /** Checkpoints below it are deleted (logically at once, physically by collectGarbage). */
  readonly floorSeq: number;
  readonly lastToken: number;
  readonly lease: OperationLeaseRecord | null;
}

const EMPTY: OperationState = { lastSeq: 0, floorSeq: 1, lastToken: 0, lease: null };

interface CheckpointName {
  readonly seq: number;
  readonly blob: string | null;
}

const seqName = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');

function checkpointName(name: CheckpointName): string {
  return name.blob === null ? seqName(name.seq) : `${seqName(name.seq)}/${name.blob}`;
}

function parseCheckpointName(keyName: string): CheckpointName {
  const slash = keyName.indexOf('/');
  return slash === -1
    ? { seq: Number(keyName), blob: null }
    : { seq: Number(keyName.slice(0, slash)), blob: keyName.slice(slash + 1) };
}

function blobCreatedMs(blob: string): number {
  return Number.parseInt(blob.slice(0, blob.indexOf('-')), 36);
}

function toState(entity: StoredEntity | null): OperationState {
  if (!entity) return EMPTY;
  const token = entity.leaseToken;
  return {
    lastSeq: entity.lastSeq as number,
    floorSeq: entity.floorSeq as number,
    lastToken: entity.lastToken as number,
    lease:
      typeof token === 'number'
        ? {
            owner: String(entity.leaseOwner ?? ''),
            token,
            expiryMs: entity.leaseExpiryMs as number,
          }
        : null,
  };
}

export function datastoreOperations(c: DatastoreConnection, clock: Clock): OperationBackend {
  const k = c.kinds;
  const operationKey = (name: string): Key => c.key([k.Operation, nameOf(name)]);
  const checkpointKey = (name: string, checkpoint: CheckpointName): Key =>
    c.key([k.Operation, nameOf(name), k.OperationCheckpoint, checkpointName(checkpoint)]);
  const chunkKey = (name: string, blob: string, index: number): Key =>
    c.key([
      k.Operation,
      nameOf(name),
      k.OperationChunk,
      `${blob}/${String(index).padStart(CHUNK_DIGITS, '0')}`,
    ]);

  const operationWrite = (name: string, state: OperationState, writeId: string): EntityWrite => ({
    key: operationKey(name),
    data: [
      stored('writeId', writeId),
      stored('lastSeq', state.lastSeq),
      stored('floorSeq', state.floorSeq),
      // Indexed: listNames finds the operations that have checkpoints.
      indexed('live', state.lastSeq >= state.floorSeq),
      stored('lastToken', state.lastToken),
      stored('leaseOwner', state.lease?.owner ?? null),
      stored('leaseToken', state.lease?.token ?? null),
      stored('leaseExpiryMs', state.lease?.expiryMs ?? null),
    ],
  });

  const readState = async (
    operation: string,
    name: string,
    tx?: DatastoreTx,
  ): Promise<{ state: OperationState; exists: boolean }> => {
    const entity = await c.get(operation, operationKey(name), tx);
    return { state: toState(entity), exists: entity !== null };
  };

  /** The checkpoint entity of `seq` (its key name may carry a blob): an ancestor key range. */
  const findCheckpoint = async (
    operation: string,
    name: string,
    seq: number,
    tx?: DatastoreTx,
  ): Promise<StoredEntity | null> => {
    // Most payloads are inline, under the name `<seq>`: a lookup by key finds them. Only a
    // chunked one (`<seq>/<blob>`, the blob unknown here) needs the key-range query, which costs
    // more (and, measured on the emulator, slows the next commits into the operation's group).
    const inline = await c.get(operation, checkpointKey(name, { seq, blob: null }), tx);
    if (inline) return inline;
    const query = c
      .query(k.OperationCheckpoint)
      .hasAncestor(operationKey(name))
      .filter(new PropertyFilter('__key__', '>=', checkpointKey(name, { seq, blob: null })))
      .filter(new PropertyFilter('__key__', '<', checkpointKey(name, { seq: seq + 1, blob: null })))
      .limit(1);
    const [entity] = await c.run(operation, query, tx);
    return entity ?? null;
  };

  const readData = async (
    operation: string,
    name: string,
    entity: StoredEntity,
  ): Promise<Uint8Array> => {
    const { blob } = parseCheckpointName(c.keyOf(entity).name as string);
    if (blob === null) return bytesOf(entity.data);
    const chunks = entity.chunks as number;
    const keys = Array.from({ length: chunks }, (_, i) => chunkKey(name, blob, i));
    const found = await c.lookup(operation, keys, { perRequest: PIECES_PER_REQUEST });
    const pieces = keys.map((key) => found.get(keyId(key)));
    if (pieces.some((piece) => piece === undefined)) {
      throw new CorruptStateError(
        `operation ${JSON.stringify(name)}: a chunk of blob ${blob} is missing`,
      );
    }
    const data = concatBytes(pieces.map((piece) => bytesOf((piece as StoredEntity).bytes)));
    if (data.byteLength !== entity.byteLength) {
      throw new CorruptStateError(
        `operation ${JSON.stringify(name)}: blob ${blob} has ${data.byteLength} bytes, expected ${entity.byteLength}`,
      );
    }
    return data;
  };

  /** The checkpoint `seq` if it exists (floorSeq ≤ seq ≤ lastSeq). */
  const loadSeq = async (
    operation: string,
    name: string,
    seq: number | 'latest',
  ): Promise<StoredOperationCheckpoint | null> => {
    // A concurrent compact may move the floor past `seq` and collect it between the two reads;
    // read the state again then, and the answer is "gone" or the new latest.
    for (;;) {
      const { state } = await readState(operation, name);
      const wanted = seq === 'latest' ? state.lastSeq : seq;
      if (wanted < state.floorSeq || wanted > state.lastSeq) return null;
      const entity = await findCheckpoint(operation, name, wanted);
      if (!entity) continue;
      return {
        seq: wanted,
        label: entity.label as string,
        createdMs: entity.createdMs as number,
        data: await readData(operation, name, entity),
      };
    }
  };

  /** The one transaction of append and compact: fence, next number, the checkpoint, the state. */
  const commitCheckpoint = (
    operation: string,
    name: string,
    fence: Fence,
    nowMs: number,
    build: (
      state: OperationState,
      tx: DatastoreTx,
    ) => Promise<{ checkpoint: EntityWrite; compacts: boolean } | null>,
  ): Promise<number | null> => {
    let writeId = '';
    return c.transaction(
      operation,
      async (tx) => {
        const { state } = await readState(operation, name, tx);
        checkFence(name, state.lease, fence, nowMs);
        const built = await build(state, tx);
        if (!built) return null;
        const seq = state.lastSeq + 1;
        writeId = newWriteId();
        c.save(tx, operation, {
          key: built.checkpoint.key,
          data: [...built.checkpoint.data, stored('writeId', writeId)],
        });
        c.save(
          tx,
          operation,
          operationWrite(
            name,
            { ...state, lastSeq: seq, floorSeq: built.compacts ? seq : state.floorSeq },
            writeId,
          ),
        );
        return seq;
      },
      // A lost reply: the checkpoint at `seq` carrying this attempt's writeId is ours, even after
      // other writers appended behind it.
      async (seq) =>
        seq !== null &&
        (await findCheckpoint(`${operation}.readBack`, name, seq))?.writeId === writeId,
    );
  };

  /** A transaction whose only write is the Operation entity; a lost reply is settled by its writeId. */
  const updateState = <T>(
    operation: string,
    name: string,
    body: (tx: DatastoreTx, writeId: string) => Promise<T>,
  ): Promise<T> => {
    let writeId = '';
    return c.transaction(
      operation,
      (tx) => {
        writeId = newWriteId();
        return body(tx, writeId);
      },
      async () => (await c.get(`${operation}.readBack`, operationKey(name)))?.writeId === writeId,
    );
  };

  const checkpointWrite = (
    name: string,
    seq: number,
    entry: { readonly label: string; readonly createdMs: number },
    payload:
      | { readonly data: Uint8Array }
      | { readonly blob: string; readonly chunks: number; readonly byteLength: number },
  ): EntityWrite => ({
    key: checkpointKey(name, { seq, blob: 'blob' in payload ? payload.blob : null }),
    data: [
      stored('label', entry.label),
      stored('createdMs', entry.createdMs),
      ...('blob' in payload
        ? [stored('chunks', payload.chunks), stored('byteLength', payload.byteLength)]
        : [stored('data', payload.data)]),
    ],
  });

  /**
   * Deletes what compact and clear dropped: checkpoints below the floor, and chunks that no
   * checkpoint at or above it references (those of dropped checkpoints at once, orphans of
   * crashed appends after the grace period). Best effort: whatever is left is collected next time.
   */
  const collectGarbage = async (name: string): Promise<void> => {
    const operation = 'operations.collectGarbage';
    try {
      const { state } = await readState(operation, name);
      const checkpointKeys = await c.keys(
        operation,
        c.query(k.OperationCheckpoint).hasAncestor(operationKey(name)),
      );
      const dead: Key[] = [];
      const liveBlobs = new Set<string>();
      const deadBlobs = new Set<string>();
      for (const key of checkpointKeys) {
        const { seq, blob } = parseCheckpointName(key.name as string);
        if (seq < state.floorSeq) dead.push(key);
        if (blob !== null) (seq < state.floorSeq ? deadBlobs : liveBlobs).add(blob);
      }
      const orphanBefore = clock() - ORPHAN_CHUNK_GRACE_MS;
      const chunks = (
        await c.keys(operation, c.query(k.OperationChunk).hasAncestor(operationKey(name)))
      ).filter((key) => {
        const blob = (key.name as string).split('/')[0] as string;
        return !liveBlobs.has(blob) && (deadBlobs.has(blob) || blobCreatedMs(blob) < orphanBefore);
      });
      await c.deleteAll(operation, chunks);
      await c.deleteAll(operation, dead);
    } catch {
      // The floor already hides everything this would delete; the next compact or clear retries.
    }
  };

  return {
    async append(name, entry, fence, nowMs) {
      if (entry.data.byteLength <= MAX_PIECE_BYTES) {
        return (await commitCheckpoint(
          'operations.checkpoint',
          name,
          fence,
          nowMs,
          async (state) => ({
            checkpoint: checkpointWrite(name, state.lastSeq + 1, entry, { data: entry.data }),
            compacts: false,
          }),
        )) as number;
      }
      const blob = `${nowMs.toString(36)}-${randomBytes(8).toString('hex')}`;
      const chunks: EntityWrite[] = [];
      for (let offset = 0, i = 0; offset < entry.data.byteLength; offset += MAX_PIECE_BYTES, i++) {
        chunks.push({
          key: chunkKey(name, blob, i),
          data: [stored('bytes', entry.data.subarray(offset, offset + MAX_PIECE_BYTES))],
        });
      }
      try {
        await c.upsertAll('operations.checkpoint', chunks);
        return (await commitCheckpoint(
          'operations.checkpoint',
          name,
          fence,
          nowMs,
          async (state) => {
            if (clock() - blobCreatedMs(blob) > ORPHAN_CHUNK_GRACE_MS / 2) {
              throw new BackendError(
                `operation ${JSON.stringify(name)}: writing the chunks took longer than ${ORPHAN_CHUNK_GRACE_MS / 2} ms; try again`,
                { retryable: true },
              );
            }
            return {
              checkpoint: checkpointWrite(name, state.lastSeq + 1, entry, {
                blob,
                chunks: chunks.length,
                byteLength: entry.data.byteLength,
              }),
              compacts: false,
            };
          },
        )) as number;
      } catch (error) {
        // Unless the commit's outcome is unknown, nothing references the chunks: drop them now.
        if (!(error instanceof OutcomeUnknownError)) {
          await c
            .deleteAll(
              'operations.checkpoint',
              chunks.map((chunk) => chunk.key),
            )
            .catch(() => undefined);
        }
        throw error;
      }
    },

    latest: (name) => loadSeq('operations.latest', name, 'latest'),

    load: (name, seq) => loadSeq('operations.load', name, seq),

    async listSeqs(name) {
      const { state } = await readState('operations.list', name);
      const seqs: number[] = [];
      for (let seq = state.floorSeq; seq <= state.lastSeq; seq++) seqs.push(seq);
      return seqs;
    },

    async compact(name, entry, fence, nowMs) {
      const seq = await commitCheckpoint(
        'operations.compact',
        name,
        fence,
        nowMs,
        async (state, tx) => {
          if (state.lastSeq < state.floorSeq) return null;
          const latest = await findCheckpoint('operations.compact', name, state.lastSeq, tx);
          if (!latest) {
            throw new CorruptStateError(
              `operation ${JSON.stringify(name)}: checkpoint ${state.lastSeq} is missing`,
            );
          }
          const { blob } = parseCheckpointName(c.keyOf(latest).name as string);
          return {
            checkpoint: checkpointWrite(
              name,
              state.lastSeq + 1,
              entry,
              blob === null
                ? { data: bytesOf(latest.data) }
                : {
                    blob,
                    chunks: latest.chunks as number,
                    byteLength: latest.byteLength as number,
                  },
            ),
            compacts: true,
          };
        },
      );
      if (seq !== null) await collectGarbage(name);
      return seq;
    },

    async clear(name, fence, nowMs, endLease) {
      await updateState('operations.clear', name, async (tx, writeId) => {
        const { state, exists } = await readState('operations.clear', name, tx);
        checkFence(name, state.lease, fence, nowMs);
        if (!exists) return;
        const endsLease = endLease && fence !== null && state.lease?.token === fence;
        c.save(
          tx,
          'operations.clear',
          operationWrite(
            name,
            {
              ...state,
              floorSeq: state.lastSeq + 1,
              lease: endsLease ? null : state.lease,
            },
            writeId,
          ),
        );
      });
      await collectGarbage(name);
    },

    acquire: (name, owner, expiryMs, nowMs) =>
      updateState('operations.acquire', name, async (tx, writeId) => {
        const { state } = await readState('operations.acquire', name, tx);
        if (state.lease && state.lease.expiryMs > nowMs) return { held: state.lease };
        const lease = { owner, token: state.lastToken + 1, expiryMs };
        c.save(
          tx,
          'operations.acquire',
          operationWrite(name, { ...state, lastToken: lease.token, lease }, writeId),
        );
        return { acquired: lease };
      }),

    renewLease: (name, token, expiryMs) =>
      updateState('operations.renewLease', name, async (tx, writeId) => {
        const { state } = await readState('operations.renewLease', name, tx);
        if (state.lease?.token !== token) return false;
        c.save(
          tx,
          'operations.renewLease',
          operationWrite(name, { ...state, lease: { ...state.lease, expiryMs } }, writeId),
        );
        return true;
      }),

    releaseLease: (name, token) =>
      updateState('operations.releaseLease', name, async (tx, writeId) => {
        const { state } = await readState('operations.releaseLease', name, tx);
        if (state.lease?.token !== token) return false;
        c.save(
          tx,
          'operations.releaseLease',
          operationWrite(name, { ...state, lease: null }, writeId),
        );
        return true;
      }),

    async listNames() {
      // A single-property index query: eventually consistent where Datastore queries are (an
      // operation's first checkpoint may show up a moment late); strongly consistent on Firestore
      // in Datastore mode.
      const keys = await c.keys(
        'operations.listNames',
        c.query(k.Operation).filter(new PropertyFilter('live', '=', true)),
      );
      return keys.map((key) => userStringOf(key.name as string)).sort(compareUtf8);
    },
  };
}
