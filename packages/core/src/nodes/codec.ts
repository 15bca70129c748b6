/** The default node-state codec: JSON text, UTF-8. */
import { utf8Decode, utf8Encode } from '../bytes.js';
import { ValidationError } from '../errors.js';
import type { Codec } from './types.js';

export function jsonCodec<S>(): Codec<S> {
  return {
    encode(state: S): Uint8Array {
      const text = JSON.stringify(state);
      if (text === undefined) throw new ValidationError('state', 'is not JSON-serializable');
      return utf8Encode(text);
    },
    decode(bytes: Uint8Array): S {
      return JSON.parse(utf8Decode(bytes)) as S;
    },
  };
}
