/**
 * The rules for every user-supplied name, key and value, written once. Each validator returns
 * the canonical value or throws a ValidationError naming the field; callers validate everything
 * before touching storage, so a rejected call writes nothing.
 */
import { utf8Length } from './bytes.js';
import { PayloadTooLargeError, ValidationError } from './errors.js';

/** Longest accepted ttl or lease: 100 years, so that every expiry is a representable Date. */
export const MAX_DURATION_MS = 100 * 365.25 * 24 * 3600 * 1000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string that survives a round trip through UTF-8 unchanged. Lone surrogates would be replaced
 * by U+FFFD on the way to storage, making two different strings one record; NUL is cut off by
 * some drivers.
 */
export function requireText(field: string, value: unknown, rules: TextRules): string {
  if (typeof value !== 'string')
    throw new ValidationError(field, `must be a string, got ${describe(value)}`);
  if (LONE_SURROGATE.test(value))
    throw new ValidationError(field, 'contains a lone UTF-16 surrogate');
  if (value.includes('\u0000')) throw new ValidationError(field, 'contains a NUL character');
  const bytes = utf8Length(value);
  if (bytes < (rules.minBytes ?? 0)) {
    throw new ValidationError(
      field,
      rules.minBytes === 1 ? 'must not be empty' : `must be at least ${rules.minBytes} bytes`,
    );
  }
  if (bytes > rules.maxBytes)
    throw new ValidationError(field, `is ${bytes} bytes UTF-8; the limit is ${rules.maxBytes}`);
  if (rules.pattern && !rules.pattern.test(value)) {
    throw new ValidationError(field, `${JSON.stringify(value)} does not match ${rules.pattern}`);
  }
  return value;
}

export interface TextRules {
  readonly minBytes?: number;
  readonly maxBytes: number;
  readonly pattern?: RegExp;
}

/** A free-form identifier: 1..maxBytes of UTF-8. Operation names, namespaces, node ids, … */
export function requireName(field: string, value: unknown, maxBytes = 512): string {
  return requireText(field, value, { minBytes: 1, maxBytes });
}

export function requirePositiveInteger(
  field: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(field, `must be a positive integer, got ${describe(value)}`);
  }
  if (value > max) throw new ValidationError(field, `is ${value}; the limit is ${max}`);
  return value;
}

export function requireNonNegativeInteger(
  field: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(field, `must be a non-negative integer, got ${describe(value)}`);
  }
  if (value > max) throw new ValidationError(field, `is ${value}; the limit is ${max}`);
  return value;
}

export function requireDurationMs(field: string, value: unknown): number {
  return requirePositiveInteger(field, value, MAX_DURATION_MS);
}

export function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function requireFunction(field: string, value: unknown): void {
  if (typeof value !== 'function')
    throw new ValidationError(field, `must be a function, got ${describe(value)}`);
}

/** A byte payload within `limit`; PayloadTooLargeError (size and limit) beyond it. */
export function requireBytes(field: string, value: unknown, limit: number): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new ValidationError(field, `must be a Uint8Array, got ${describe(value)}`);
  if (value.byteLength > limit) throw new PayloadTooLargeError(field, value.byteLength, limit);
  return value;
}

/** SQL table prefixes and Datastore kind prefixes: an identifier that needs no quoting. */
export function requireTablePrefix(field: string, value: unknown): string {
  return requireText(field, value, {
    minBytes: 1,
    maxBytes: 32,
    pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
  });
}

/** Redis key prefixes: no braces (they would move the hash tag), no spaces. */
export function requireKeyPrefix(field: string, value: unknown): string {
  return requireText(field, value, { minBytes: 1, maxBytes: 64, pattern: /^[A-Za-z0-9_.:-]+$/ });
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return typeof value;
}
