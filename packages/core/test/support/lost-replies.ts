/**
 * The memory adapter with a fault capability: a lost reply, simulated at the storage-primitive
 * boundary. The write is applied, `between` runs, and then the call ends the way `behaviour`
 * says: as a correct adapter that cannot settle the outcome would end it (OutcomeUnknownError),
 * or with one of the two bugs the fault cases exist to catch — the failure reported as
 * retryable, or the request resent and applied again (what ioredis' resend did to unjournaled
 * scripts).
 */
import type { AdapterBackends } from '../../src/adapter.js';
import type { ArmedFault, ConformanceTarget } from '../../src/conformance/index.js';
import {
  BackendError,
  composeAdapter,
  type MemoryAdapter,
  type MemoryStore,
  type MemoryTx,
  memoryBackends,
  OutcomeUnknownError,
} from '../../src/index.js';

export type LostReplyBehaviour = 'outcome-unknown' | 'reported-retryable' | 'resent-blindly';

type Backends = AdapterBackends<MemoryTx> & { store: MemoryStore };

/** The committing write of each primitive (reads and preparatory writes are left alone). */
const COMMITS = {
  checkpoints: ['insertUnlessLive', 'runOnce', 'replaceClaim'],
  operations: ['append', 'compact', 'clear', 'acquire', 'renewLease', 'releaseLease'],
  groups: ['advance', 'commit', 'ensure'],
  sessions: ['kvSet', 'kvDelete', 'datasetApply'],
  nodes: ['commitRoot', 'deleteNode'],
} as const;

interface Fault {
  readonly between?: () => Promise<void>;
  fired: boolean;
}

interface Slot {
  armed: Fault | null;
}

function withLostReplies(backends: Backends, slot: Slot, behaviour: LostReplyBehaviour): Backends {
  const wrapped = { ...backends } as Record<string, unknown>;
  for (const [primitive, methods] of Object.entries(COMMITS)) {
    const backend = { ...(backends[primitive as keyof typeof COMMITS] as object) } as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    for (const method of methods) {
      const original = backend[method]?.bind(backend);
      if (!original) continue;
      backend[method] = async (...args: unknown[]) => {
        const fault = slot.armed;
        if (!fault) return original(...args);
        slot.armed = null;
        await original(...args);
        fault.fired = true;
        await fault.between?.();
        if (behaviour === 'resent-blindly') return original(...args);
        if (behaviour === 'reported-retryable') {
          throw new BackendError(`memory ${method}: connection lost (simulated)`, {
            retryable: true,
          });
        }
        throw new OutcomeUnknownError(`memory ${method}`, 'the reply was lost (simulated)');
      };
    }
    wrapped[primitive] = backend;
  }
  return wrapped as unknown as Backends;
}

export function lossyMemoryTarget(
  behaviour: LostReplyBehaviour,
): ConformanceTarget<MemoryTx, MemoryAdapter> {
  const slots = new WeakMap<MemoryAdapter, Slot>();
  const build = (clock: () => number, store?: MemoryStore): MemoryAdapter => {
    const slot: Slot = { armed: null };
    const backends = withLostReplies(
      memoryBackends({ clock, ...(store ? { store } : {}) }),
      slot,
      behaviour,
    );
    const adapter = { ...composeAdapter(backends), store: backends.store };
    slots.set(adapter, slot);
    return adapter;
  };
  return {
    name: `memory, lost replies: ${behaviour}`,
    create: async ({ clock }) => build(clock),
    reopen: async (adapter, { clock }) => build(clock, adapter.store),
    probe: {
      writeInTx: (tx, key, value) => tx.set(key, value),
      read: (adapter, key) =>
        adapter.transaction(async (tx) => (tx.get(key) as string | undefined) ?? null),
    },
    faults: {
      async loseNextReply(adapter: MemoryAdapter, options = {}): Promise<ArmedFault> {
        const slot = slots.get(adapter);
        if (!slot) throw new Error('loseNextReply: not an adapter of this target');
        const fault: Fault = { between: options.between, fired: false };
        slot.armed = fault;
        return { fired: () => fault.fired };
      },
    },
  };
}
