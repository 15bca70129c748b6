/**
 * createMemoryAdapter: all five primitives in process memory. The reference behaviour for the
 * conformance suite, and a stand-in for a real backend in users' unit tests. Adapters created on
 * the same `store` share data like processes sharing a database.
 */
import {
  type Adapter,
  type AdapterBackends,
  type CommonAdapterOptions,
  composeAdapter,
  resolveAdapterOptions,
} from '../adapter.js';
import { memoryCheckpoints } from './checkpoints.js';
import { memoryGroups } from './groups.js';
import { MemoryStore, MemoryTx } from './memory-store.js';
import { memoryNodes } from './nodes.js';
import { memoryOperations } from './operations.js';
import { memorySessions } from './sessions.js';

export interface MemoryAdapterOptions extends CommonAdapterOptions {
  /** Share one store between adapters to model several processes on one database. */
  readonly store?: MemoryStore;
}

export interface MemoryAdapter extends Adapter<MemoryTx> {
  readonly store: MemoryStore;
}

/**
 * The memory adapter's storage primitives, before composeAdapter turns them into the API: all
 * five, so a test can take one of them (`memoryBackends().checkpoints`) to build a partial adapter.
 */
export function memoryBackends(
  options: MemoryAdapterOptions = {},
): Required<AdapterBackends<MemoryTx>> & { store: MemoryStore } {
  const resolved = resolveAdapterOptions(options);
  const store = options.store ?? new MemoryStore();
  const transaction = <T>(work: (tx: MemoryTx) => Promise<T>): Promise<T> =>
    store.transaction((rows) => work(new MemoryTx(rows)));
  return {
    name: 'memory',
    options: resolved,
    store,
    checkpoints: memoryCheckpoints(store, transaction),
    operations: memoryOperations(store),
    groups: memoryGroups(store),
    sessions: memorySessions(store, transaction),
    nodes: memoryNodes(store, transaction),
    transaction,
    setup: async () => {},
    close: async () => {},
  };
}

export function createMemoryAdapter(options: MemoryAdapterOptions = {}): MemoryAdapter {
  const backends = memoryBackends(options);
  return { ...composeAdapter(backends), store: backends.store };
}
