/**
 * Operation checkpoints on Redis (OperationBackend): per operation, under its own hash tag, a
 * meta hash (the persisted sequence counter, the last fencing token, the lease), a ZSET of ids
 * and one hash per checkpoint; see README.md, "Key layout". Every write is one fenced script.
 */
import {
  BackendError,
  checkFence,
  compareUtf8,
  type Fence,
  formatOperationId,
  type OperationBackend,
  type OperationLeaseRecord,
  type StoredOperationCheckpoint,
  viewBytes,
} from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';
import type { RedisContext } from '../context.js';
import { redisCall } from '../errors.js';
import { nameInTag } from '../key-layout.js';
import { operationAcquire } from '../lua/operation-acquire.js';
import { operationAppend } from '../lua/operation-append.js';
import { operationClear } from '../lua/operation-clear.js';
import { operationCompact } from '../lua/operation-compact.js';
import { operationLatest } from '../lua/operation-latest.js';
import { operationReleaseLease } from '../lua/operation-release-lease.js';
import { operationRenewLease } from '../lua/operation-renew-lease.js';
import { scanKeys } from '../scan.js';
import type { RedisScript, ScriptArg } from '../scripts.js';

type Nullable = string | null;
/** The reply of a script that writes: {'ok', …}, {'none'} or {'fenced', owner, token, expiry}. */
type WriteReply = [string, ...(Nullable | number)[]];

function leaseOf(owner: unknown, token: unknown, expiry: unknown): OperationLeaseRecord | null {
  if (token === null || token === undefined) return null;
  return { owner: String(owner), token: Number(token), expiryMs: Number(expiry) };
}

export function redisOperations(context: RedisContext): OperationBackend {
  const { client, scripts, layout, journal } = context;
  /** Every write of an operation is journaled under its tag (journal.ts). */
  const write = (name: string, script: RedisScript, k: string[], args: ScriptArg[]) =>
    journal.write(script, layout.operationTag(name), k, args);
  const keys = (name: string): string[] => [layout.operationMeta(name), layout.operationIds(name)];
  const fenceArg = (fence: Fence): string => (fence === null ? '' : String(fence));

  /** A script found the writer fenced out; core's checkFence says how (and must agree). */
  function fencedOut(name: string, reply: WriteReply, fence: Fence, nowMs: number): never {
    checkFence(name, leaseOf(reply[1], reply[2], reply[3]), fence, nowMs);
    throw new BackendError(
      `operation ${JSON.stringify(name)}: a script refused a write that checkFence allows`,
    );
  }

  return {
    async append(name, entry, fence, nowMs) {
      const reply = (await write(name, operationAppend, keys(name), [
        fenceArg(fence),
        nowMs,
        entry.label,
        asBuffer(entry.data),
        entry.createdMs,
        layout.operationCheckpointPrefix(name),
      ])) as WriteReply;
      if (reply[0] === 'fenced') fencedOut(name, reply, fence, nowMs);
      return Number(reply[1]);
    },

    async latest(name) {
      const reply = (await scripts.runBuffer(
        operationLatest,
        [layout.operationIds(name)],
        [layout.operationCheckpointPrefix(name)],
      )) as [Buffer, Buffer, Buffer, Buffer] | null;
      if (reply === null) return null;
      const [id, label, data, created] = reply;
      return {
        seq: Number(id.toString()),
        label: label.toString('utf8'),
        data: viewBytes(data),
        createdMs: Number(created.toString()),
      };
    },

    async load(name, seq): Promise<StoredOperationCheckpoint | null> {
      const key = `${layout.operationCheckpointPrefix(name)}${formatOperationId(seq)}`;
      const [label, data, created] = await redisCall('operation load', () =>
        client.hmgetBuffer(key, 'label', 'data', 'created-ms'),
      );
      if (!label || !data || !created) return null;
      return {
        seq,
        label: label.toString('utf8'),
        data: viewBytes(data),
        createdMs: Number(created.toString()),
      };
    },

    async listSeqs(name) {
      const ids = await redisCall('operation list', () =>
        client.zrange(layout.operationIds(name), '0', '-1'),
      );
      return ids.map(Number);
    },

    async compact(name, entry, fence, nowMs) {
      const reply = (await write(name, operationCompact, keys(name), [
        fenceArg(fence),
        nowMs,
        entry.label,
        entry.createdMs,
        layout.operationCheckpointPrefix(name),
      ])) as WriteReply;
      if (reply[0] === 'fenced') fencedOut(name, reply, fence, nowMs);
      return reply[0] === 'none' ? null : Number(reply[1]);
    },

    async clear(name, fence, nowMs, endLease) {
      const reply = (await write(name, operationClear, keys(name), [
        fenceArg(fence),
        nowMs,
        layout.operationCheckpointPrefix(name),
        endLease ? '1' : '0',
      ])) as WriteReply;
      if (reply[0] === 'fenced') fencedOut(name, reply, fence, nowMs);
    },

    async acquire(name, owner, expiryMs, nowMs) {
      const reply = (await write(
        name,
        operationAcquire,
        [layout.operationMeta(name)],
        [owner, expiryMs, nowMs],
      )) as WriteReply;
      if (reply[0] === 'held')
        return { held: leaseOf(reply[1], reply[2], reply[3]) as OperationLeaseRecord };
      return { acquired: { owner, token: Number(reply[1]), expiryMs } };
    },

    async renewLease(name, token, expiryMs) {
      const renewed = await write(
        name,
        operationRenewLease,
        [layout.operationMeta(name)],
        [token, expiryMs],
      );
      return renewed === 1;
    },

    async releaseLease(name, token) {
      const released = await write(
        name,
        operationReleaseLease,
        [layout.operationMeta(name)],
        [token],
      );
      return released === 1;
    },

    async listNames() {
      const names = (await scanKeys(client, layout.operationIdsPattern, 'operations list'))
        .map((key) => nameInTag(layout, key, 'o'))
        .filter((name): name is string => name !== null);
      return names.sort(compareUtf8);
    },
  };
}
