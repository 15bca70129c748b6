/**
 * Per-write nonces: stored with a write that is not naturally idempotent (a checkpoint record,
 * an operation append, a unit's records) so that a script resent after a lost reply recognises
 * its own write. Unique per write across processes: a random prefix drawn once per process (72
 * bits) and a counter. Drawing random bytes per write cost a fifth of a tryInsert's client CPU.
 * Never contains ':' (base64url and base36), which the record format relies on.
 */
import { randomBytes } from 'node:crypto';

const PROCESS_PREFIX = randomBytes(9).toString('base64url');
let written = 0;

export function newNonce(): string {
  written += 1;
  return `${PROCESS_PREFIX}${written.toString(36)}`;
}
