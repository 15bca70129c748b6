/**
 * In-process gates that keep transactions from interleaving. better-sqlite3 is synchronous, but
 * the callbacks we run inside a transaction (runOnce work, Operator.commit, onCommit, the user's
 * own adapter.transaction) are async: while one awaits, the event loop runs other calls. Two
 * gates make that safe:
 *
 *   connection gate  one per better-sqlite3 Database object (shared by every adapter on it).
 *                    A connection has one transaction state, so every statement path holds it:
 *                    a read from elsewhere must not see (or run inside) an open transaction.
 *   writer gate      one per database file in this process. Two connections of one process
 *                    (two adapters on one file) must not contend inside SQLite: the loser's
 *                    busy_timeout would block the only thread while the winner, which needs that
 *                    thread to finish, waits — a stall of busy_timeout per conflict. Queued here,
 *                    they wait asynchronously. Other processes still meet SQLite's own lock.
 *
 * Gates are entered writer first, then connection; only transactions hold a gate across an
 * await. The context that holds a gate is tracked with AsyncLocalStorage, so a call made from
 * inside a transaction callback does not wait for itself: reads run inside that transaction,
 * and a second write transaction on the same database fails at once (see ./connection.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';

/** A FIFO async mutex. */
export class Gate {
  private tail: Promise<void> = Promise.resolve();
  private users = 0;

  constructor(private readonly onIdle: () => void = () => {}) {}

  /** Nobody holds the gate or waits for it. */
  get idle(): boolean {
    return this.users === 0;
  }

  /** Waits for the gate; resolves to the function that opens it again. */
  async enter(): Promise<() => void> {
    this.users++;
    const previous = this.tail;
    let open: () => void = () => {};
    this.tail = new Promise<void>((resolve) => {
      open = resolve;
    });
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users--;
      open();
      if (this.users === 0) this.onIdle();
    };
  }
}

/** The gates one async context holds; `active` is cleared when the holder finishes. */
interface Holding {
  readonly gates: ReadonlySet<Gate>;
  readonly outer: Holding | undefined;
  active: boolean;
}

/**
 * The gates must be shared by every copy of this package in the process — an application can load
 * both its ESM and its CJS build (the dual-package hazard) — so they live on globalThis under a
 * registered symbol; the version in the name keeps incompatible future shapes apart.
 */
interface GateRegistry {
  readonly holding: AsyncLocalStorage<Holding>;
  readonly connectionGates: WeakMap<BetterSqlite3.Database, Gate>;
  /** Writer gates by real file path; an entry lives only while someone holds or waits for it. */
  readonly writerGates: Map<string, Gate>;
}

const REGISTRY = Symbol.for('@checkpointkit/sqlite:gates@1');

function sharedRegistry(): GateRegistry {
  const global = globalThis as Record<symbol, GateRegistry | undefined>;
  let registry = global[REGISTRY];
  if (!registry) {
    registry = {
      holding: new AsyncLocalStorage<Holding>(),
      connectionGates: new WeakMap(),
      writerGates: new Map(),
    };
    global[REGISTRY] = registry;
  }
  return registry;
}

const { holding, connectionGates, writerGates } = sharedRegistry();

/** True when the calling async context is inside a section that holds `gate`. */
export function holds(gate: Gate): boolean {
  for (let h = holding.getStore(); h; h = h.outer) {
    // A callback may leave work running after its transaction ended: that work holds nothing.
    if (h.active && h.gates.has(gate)) return true;
  }
  return false;
}

/** Runs `work` holding every gate in `gates`, entered in order. */
export async function withGates<T>(gates: readonly Gate[], work: () => Promise<T>): Promise<T> {
  const exits: (() => void)[] = [];
  try {
    for (const gate of gates) exits.push(await gate.enter());
    const section: Holding = { gates: new Set(gates), outer: holding.getStore(), active: true };
    try {
      return await holding.run(section, work);
    } finally {
      section.active = false;
    }
  } finally {
    for (const exit of exits.reverse()) exit();
  }
}

export function connectionGate(db: BetterSqlite3.Database): Gate {
  let gate = connectionGates.get(db);
  if (!gate) {
    gate = new Gate();
    connectionGates.set(db, gate);
  }
  return gate;
}

/**
 * The file's writer gate, or null for a database that no other connection can open (`:memory:`
 * or an anonymous temporary file): its connection gate already serializes everything. Look it up
 * right before entering it (an idle gate leaves the registry), never keep it.
 */
export function writerGate(fileKey: string | null): Gate | null {
  if (fileKey === null) return null;
  let gate = writerGates.get(fileKey);
  if (!gate) {
    const created = new Gate(() => {
      if (writerGates.get(fileKey) === created) writerGates.delete(fileKey);
    });
    writerGates.set(fileKey, created);
    gate = created;
  }
  return gate;
}

/** The key of the file behind `db`: its real path, so that two spellings of one path agree. */
export function fileKeyOf(db: BetterSqlite3.Database): string | null {
  if (db.memory || db.name === '') return null;
  try {
    return realpathSync(db.name);
  } catch {
    return db.name;
  }
}
