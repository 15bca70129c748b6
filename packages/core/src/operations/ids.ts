/** Operation checkpoint ids: the sequence number, zero-padded to 16 digits, so string order is checkpoint order. */
import { ValidationError } from '../errors.js';
import { describe } from '../validation.js';

export const OPERATION_ID_DIGITS = 16;
const ID_PATTERN = /^\d{16}$/;

export function formatOperationId(seq: number): string {
  return String(seq).padStart(OPERATION_ID_DIGITS, '0');
}

export function parseOperationId(id: unknown): number {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new ValidationError(
      'id',
      `${describe(id)} is not a ${OPERATION_ID_DIGITS}-digit checkpoint id`,
    );
  }
  const seq = Number(id);
  if (seq < 1 || !Number.isSafeInteger(seq))
    throw new ValidationError('id', `${id} is out of range`);
  return seq;
}
