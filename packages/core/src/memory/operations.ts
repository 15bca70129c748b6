/**
 * Operation checkpoints in memory.
 *   "operations"            name → { lastSeq, lastToken, lease }   (never deleted: ids are not reused)
 *   "operationCheckpoints"  encodeKey(name, 16-digit seq) → StoredOperationCheckpoint
 */
import { compareUtf8 } from '../bytes.js';
import { decodeKey, encodeKey, encodeKeyPart } from '../key-encoding.js';
import type {
  Fence,
  OperationBackend,
  OperationLeaseRecord,
  StoredOperationCheckpoint,
} from '../operations/backend.js';
import { checkFence } from '../operations/fence.js';
import { formatOperationId } from '../operations/ids.js';
import type { MemoryRows, MemoryStore } from './memory-store.js';

const OPERATIONS = 'operations';
const CHECKPOINTS = 'operationCheckpoints';

interface OperationRow {
  readonly lastSeq: number;
  readonly lastToken: number;
  readonly lease: OperationLeaseRecord | null;
}

const EMPTY: OperationRow = { lastSeq: 0, lastToken: 0, lease: null };
const checkpointKey = (name: string, seq: number): string =>
  encodeKey([name, formatOperationId(seq)]);

function checkpointsOf(rows: MemoryRows, name: string): StoredOperationCheckpoint[] {
  const prefix = `${encodeKeyPart(name)}:`;
  return rows
    .entries<StoredOperationCheckpoint>(CHECKPOINTS)
    .filter(([key]) => key.startsWith(prefix))
    .map(([, c]) => c)
    .sort((a, b) => a.seq - b.seq);
}

/** The operation's row after the fence check: every write starts here. */
function fenced(rows: MemoryRows, name: string, fence: Fence, nowMs: number): OperationRow {
  const row = rows.get<OperationRow>(OPERATIONS, name) ?? EMPTY;
  checkFence(name, row.lease, fence, nowMs);
  return row;
}

export function memoryOperations(store: MemoryStore): OperationBackend {
  const read = <T>(work: (rows: MemoryRows) => T): Promise<T> => store.read(work);
  return {
    append(name, entry, fence, nowMs) {
      return store.transaction((rows) => {
        const row = fenced(rows, name, fence, nowMs);
        const seq = row.lastSeq + 1;
        rows.put(OPERATIONS, name, { ...row, lastSeq: seq });
        rows.put(CHECKPOINTS, checkpointKey(name, seq), { seq, ...entry });
        return seq;
      });
    },
    latest: (name) => read((rows) => checkpointsOf(rows, name).at(-1) ?? null),
    load: (name, seq) =>
      read(
        (rows) =>
          rows.get<StoredOperationCheckpoint>(CHECKPOINTS, checkpointKey(name, seq)) ?? null,
      ),
    listSeqs: (name) => read((rows) => checkpointsOf(rows, name).map((c) => c.seq)),
    compact(name, entry, fence, nowMs) {
      return store.transaction((rows) => {
        const row = fenced(rows, name, fence, nowMs);
        const all = checkpointsOf(rows, name);
        const latest = all.at(-1);
        if (!latest) return null;
        const seq = row.lastSeq + 1;
        for (const c of all) rows.remove(CHECKPOINTS, checkpointKey(name, c.seq));
        rows.put(OPERATIONS, name, { ...row, lastSeq: seq });
        rows.put(CHECKPOINTS, checkpointKey(name, seq), {
          seq,
          label: entry.label,
          data: latest.data,
          createdMs: entry.createdMs,
        });
        return seq;
      });
    },
    clear(name, fence, nowMs, endLease) {
      return store.transaction((rows) => {
        const row = fenced(rows, name, fence, nowMs);
        for (const c of checkpointsOf(rows, name))
          rows.remove(CHECKPOINTS, checkpointKey(name, c.seq));
        if (endLease && fence !== null) rows.put(OPERATIONS, name, { ...row, lease: null });
      });
    },
    acquire(name, owner, expiryMs, nowMs) {
      return store.transaction((rows) => {
        const row = rows.get<OperationRow>(OPERATIONS, name) ?? EMPTY;
        if (row.lease && row.lease.expiryMs > nowMs) return { held: row.lease };
        const lease = { owner, token: row.lastToken + 1, expiryMs };
        rows.put(OPERATIONS, name, { ...row, lastToken: lease.token, lease });
        return { acquired: lease };
      });
    },
    renewLease(name, token, expiryMs) {
      return store.transaction((rows) => {
        const row = rows.get<OperationRow>(OPERATIONS, name);
        if (!row?.lease || row.lease.token !== token) return false;
        rows.put(OPERATIONS, name, { ...row, lease: { ...row.lease, expiryMs } });
        return true;
      });
    },
    releaseLease(name, token) {
      return store.transaction((rows) => {
        const row = rows.get<OperationRow>(OPERATIONS, name);
        if (!row?.lease || row.lease.token !== token) return false;
        rows.put(OPERATIONS, name, { ...row, lease: null });
        return true;
      });
    },
    listNames: () =>
      read((rows) => {
        const names = new Set(
          rows.entries(CHECKPOINTS).map(([key]) => decodeKey(key)[0] as string),
        );
        return [...names].sort(compareUtf8);
      }),
  };
}
