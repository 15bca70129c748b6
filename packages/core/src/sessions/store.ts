/** SessionStore over SessionBackend: a namespaced KV and committable datasets. */
import { copyBytes } from '../bytes.js';
import { ValidationError } from '../errors.js';
import { requireBytes, requireName, requireObject } from '../validation.js';
import type { SessionBackend } from './backend.js';
import { Dataset } from './dataset.js';
import { MAX_SESSION_KEY_BYTES, MAX_SESSION_VALUE_BYTES } from './limits.js';
import type {
  CommittableDataset,
  CommittableDatasetOptions,
  SessionKV,
  SessionStore,
} from './types.js';

export function createSessionStore<Tx>(backend: SessionBackend<Tx>): SessionStore<Tx> {
  return {
    kv(namespace: string): SessionKV {
      const ns = requireName('namespace', namespace, 256);
      const keyOf = (key: string): string => requireName('key', key, MAX_SESSION_KEY_BYTES);
      return {
        get: async (key) => backend.kvGet(ns, keyOf(key)),
        set: async (key, value) =>
          backend.kvSet(
            ns,
            keyOf(key),
            copyBytes(requireBytes('value', value, MAX_SESSION_VALUE_BYTES)),
          ),
        delete: async (key) => backend.kvDelete(ns, keyOf(key)),
      };
    },
    committable(name: string, options: CommittableDatasetOptions<Tx> = {}): CommittableDataset {
      const opts = requireObject('options', options);
      if (opts.onCommit !== undefined && typeof opts.onCommit !== 'function') {
        throw new ValidationError('onCommit', 'must be a function');
      }
      return new Dataset(backend, requireName('name', name, 256), options);
    },
  };
}
