// The small shared pieces of core: HLC helpers, key encoding, retry, validation, byte order.
import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  before,
  ConflictError,
  compareHlc,
  compareUtf8,
  decodeKey,
  encodeKey,
  formatHlc,
  HLC_ORIGIN,
  hlc,
  hlcFromSortKey,
  hlcSortKey,
  isEmpty,
  MAX_HLC_LOGICAL,
  next,
  parseHlc,
  rangeIncluding,
  retryAborted,
  TransactionAbortedError,
  ValidationError,
} from '../src/index.js';
import { requireName, requireText } from '../src/validation.js';

describe('hlc', () => {
  it('orders by nanos, then logical', () => {
    expect(compareHlc(hlc(1, 5), hlc(2, 0))).toBe(-1);
    expect(compareHlc(hlc(2, 1), hlc(2, 0))).toBe(1);
    expect(compareHlc(hlc(2, 1), hlc(2n, 1))).toBe(0);
    expect(before(hlc(1), hlc(1, 1))).toBe(true);
  });

  it('next is the smallest later timestamp, carrying into nanos at the logical maximum', () => {
    expect(next(hlc(5, 2))).toEqual(hlc(5, 3));
    expect(next(hlc(5, MAX_HLC_LOGICAL))).toEqual(hlc(6, 0));
  });

  it('formats as %d.%010d and parses back', () => {
    expect(formatHlc(hlc(1700000000000000000n, 42))).toBe('1700000000000000000.0000000042');
    expect(parseHlc('1700000000000000000.0000000042')).toEqual(hlc(1700000000000000000n, 42));
    expect(() => parseHlc('12.3')).toThrow(ValidationError);
    expect(() => parseHlc('x.0000000001')).toThrow(ValidationError);
  });

  it('ranges: rangeIncluding(a, b) = [a, next(b)); isEmpty when min >= max', () => {
    expect(rangeIncluding(hlc(1), hlc(3))).toEqual({ min: hlc(1), max: hlc(3, 1) });
    expect(isEmpty({ min: hlc(3), max: hlc(3) })).toBe(true);
    expect(isEmpty(rangeIncluding(HLC_ORIGIN, HLC_ORIGIN))).toBe(false);
  });

  it('sort keys are fixed-width and order like the timestamps', () => {
    const times = [hlc(0), hlc(0, 1), hlc(9), hlc(10), hlc(2n ** 62n, 7)];
    const keys = times.map(hlcSortKey);
    expect(new Set(keys.map((k) => k.length))).toEqual(new Set([30]));
    expect([...keys].sort()).toEqual(keys);
    expect(keys.map(hlcFromSortKey)).toEqual(times);
  });

  it('rejects negative nanos, fractional or out-of-range logical', () => {
    expect(() => hlc(-1)).toThrow(ValidationError);
    expect(() => hlc(1, 0.5)).toThrow(ValidationError);
    expect(() => hlc(1, 2 ** 31)).toThrow(ValidationError);
    expect(() => hlc(2n ** 63n)).toThrow(ValidationError);
  });
});

describe('key encoding', () => {
  it('is injective: different part lists never encode alike, and decoding gives them back', () => {
    const alphabet = ['a', ':', '%', '{', '}', '3A', '%3A', 'é', ''];
    const seen = new Map<string, string>();
    for (const x of alphabet) {
      for (const y of alphabet) {
        for (const z of alphabet) {
          const parts = [x + y, z];
          const encoded = encodeKey(parts);
          expect(decodeKey(encoded)).toEqual(parts);
          const previous = seen.get(encoded);
          if (previous !== undefined) expect(previous).toBe(JSON.stringify(parts));
          seen.set(encoded, JSON.stringify(parts));
          expect(encoded.split(':')).toHaveLength(2);
          expect(encoded).not.toMatch(/[{}]/);
        }
      }
    }
  });
});

describe('retryAborted', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries TransactionAbortedError and returns the first success', async () => {
    let calls = 0;
    const value = await retryAborted('op', policy, async () => {
      calls++;
      if (calls < 3) throw new TransactionAbortedError('busy');
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('surfaces ConflictError after maxAttempts, with the last abort as cause', async () => {
    let calls = 0;
    const error = await retryAborted('op', policy, async () => {
      calls++;
      throw new TransactionAbortedError(`busy ${calls}`);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).attempts).toBe(4);
    expect(((error as ConflictError).cause as Error).message).toBe('busy 4');
    expect(calls).toBe(4);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      retryAborted('op', policy, async () => {
        calls++;
        throw new ValidationError('x', 'bad');
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toBe(1);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const p = { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 100 };
    expect(backoffDelayMs(1, p, () => 1)).toBe(10);
    expect(backoffDelayMs(3, p, () => 1)).toBe(40);
    expect(backoffDelayMs(9, p, () => 1)).toBe(100);
    expect(backoffDelayMs(9, p, () => 0)).toBe(0);
  });
});

describe('validation', () => {
  it('names the field and the problem', () => {
    const error = (() => {
      try {
        requireName('namespace', '');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error?.field).toBe('namespace');
    expect(error?.message).toContain('must not be empty');
    expect(() => requireText('f', 'a\uDFFF', { maxBytes: 10 })).toThrow(/lone UTF-16 surrogate/);
    expect(() => requireText('f', 'abc', { maxBytes: 2 })).toThrow(/3 bytes UTF-8; the limit is 2/);
  });

  it('compares strings by UTF-8 bytes', () => {
    expect(compareUtf8('～', '😀')).toBeLessThan(0);
    expect('～' < '😀').toBe(false); // what JavaScript's own order says
  });
});
