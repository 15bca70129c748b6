/** Session record limits, the same on every backend (one Datastore property holds ~1 MiB). */
import { ValidationError } from '../errors.js';
import { requireBytes } from '../validation.js';

export const MAX_SESSION_VALUE_BYTES = 1_000_000;
export const MAX_IDEMPOTENCY_KEY_BYTES = 1024;
export const MAX_SESSION_KEY_BYTES = 1024;

export function requireIdempotencyKey(value: unknown): Uint8Array {
  const key = requireBytes('idempotencyKey', value, MAX_IDEMPOTENCY_KEY_BYTES);
  if (key.byteLength === 0) throw new ValidationError('idempotencyKey', 'must not be empty');
  return key;
}
