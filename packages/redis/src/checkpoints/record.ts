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
  viewBytes,
} from '@checkpointkit/core';
import { asBuffer } from '../bytes.js';

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

/**
 * A record's extras — its result and fingerprint (idempotent results), stored beside it in the
 * field NUL + uniquifier: "<fingerprint hex or ''>:" then 'r' and the result's bytes, or '-'.
 * '' when the record has neither (nothing is stored then).
 */
export function encodeExtras(record: CheckpointRecord): string | Buffer {
  if (record.fingerprint === undefined && record.result === undefined) return '';
  const head = `${record.fingerprint ?? ''}:${record.result === undefined ? '-' : 'r'}`;
  return record.result === undefined
    ? head
    : Buffer.concat([Buffer.from(head), asBuffer(record.result)]);
}

export function withExtras(record: CheckpointRecord, extras: Buffer | null): CheckpointRecord {
  if (extras === null || extras.length === 0) return record;
  const colon = extras.indexOf(0x3a);
  if (colon < 0 || colon + 1 >= extras.length) {
    throw new CorruptStateError(`checkpoint extras of ${JSON.stringify(record.key)} are malformed`);
  }
  const fingerprint = extras.subarray(0, colon).toString('latin1');
  const hasResult = extras[colon + 1] === 0x72; // 'r'
  return {
    ...record,
    ...(fingerprint !== '' ? { fingerprint } : {}),
    ...(hasResult ? { result: viewBytes(Buffer.from(extras.subarray(colon + 2))) } : {}),
  };
}

/** The hash field that holds the extras of `uniquifier`'s record. */
export function extrasField(uniquifier: string): string {
  return `\u0000${uniquifier}`;
}

/** The nonce of the write that stored `value`. */
export function recordNonce(value: string): string | null {
  return VALUE.exec(value)?.[3] ?? null;
}

/** How long Redis keeps a record's hash at least (GC only): until expiry, plus the grace. */
export function gcTtlMs(record: CheckpointRecord, nowMs: number, graceMs: number): number {
  return Math.max(record.expiryMs - nowMs, 0) + graceMs;
}
