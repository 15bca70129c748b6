/**
 * How a checkpoint record is stored: one field of its (project, resourceId, processId) records
 * hash, keyed by the uniquifier, with the value
 *
 *   "<creationMs>:<expiryMs>:<nonce>:<token>:<owner>"     token and owner empty unless claimed
 *
 * The nonce (../nonce.ts) is unique per write, so that a script resent after a lost reply recognises its own
 * record. The Lua side reads the same format (lua/checkpoint-record.ts).
 */
import {
  type CheckpointRecord,
  CorruptStateError,
  type NormalizedCheckpointKey,
} from '@checkpointkit/core';

export function encodeRecordValue(record: CheckpointRecord, nonce: string): string {
  const claim = record.claim ? `${record.claim.token}:${record.claim.owner}` : ':';
  return `${record.creationMs}:${record.expiryMs}:${nonce}:${claim}`;
}

const VALUE = /^(-?\d+):(-?\d+):([^:]*):([^:]*):([\s\S]*)$/;

export function decodeRecordValue(key: NormalizedCheckpointKey, value: string): CheckpointRecord {
  const match = VALUE.exec(value);
  if (!match)
    throw new CorruptStateError(`checkpoint record ${JSON.stringify(value)} is malformed`);
  const [, creation, expiry, , token, owner] = match as unknown as string[];
  return {
    key,
    creationMs: Number(creation),
    expiryMs: Number(expiry),
    claim: token ? { token: token as string, owner: owner as string } : undefined,
  };
}

/** The nonce of the write that stored `value`. */
export function recordNonce(value: string): string | null {
  return VALUE.exec(value)?.[3] ?? null;
}

/** How long Redis keeps a record's hash at least (GC only): until expiry, plus the grace. */
export function gcTtlMs(record: CheckpointRecord, nowMs: number, graceMs: number): number {
  return Math.max(record.expiryMs - nowMs, 0) + graceMs;
}
