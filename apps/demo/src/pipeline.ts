/**
 * The ingestion worker. One loop, five primitives:
 *
 *   consume   read the next chunk of every partition; advance() its resolved timestamp in the
 *             checkpoint GROUP; record the read offsets in the resumable OPERATION
 *   window    refresh() the group: the window [lo, hi] every partition has resolved
 *   process   record the window in the operation first (so a restart finishes this window, not a
 *             different one), then for every order in it:
 *               runOnce(order) with its effect written in the same transaction   (RUN-ONCE)
 *             write the window's ledger entry and per-shop index through one COMMIT SESSION
 *             keyed by the window (two datasets that agree after any crash)
 *             add the orders to the per-shop totals in NODE STATE, each order's "counted"
 *             run-once checkpoint inserted in the same transaction as the new generation
 *             commit() the window in the group; record "applied" in the operation
 *
 * Every step is idempotent on replay, so a worker killed anywhere resumes and ends with the same
 * totals. Windows can overlap, so every aggregate is exactly-once per order, not per window.
 */
import {
  AlreadyExistsError,
  type CheckpointGroup,
  type CheckpointKey,
  type Committable,
  type CommittableDataset,
  compareHlc,
  formatHlc,
  type Hlc,
  type HlcRange,
  MultiCommitter,
  type NodeStore,
  NotFoundError,
  type Operation,
  type OperationLease,
  parseHlc,
  sleep,
  toHex,
  utf8Decode,
  utf8Encode,
} from '@checkpointkit/core';
import { type DemoBackend, ORDER_PROJECT } from './backends/backend.js';
import { type OrderEvent, type OrderStream, type StreamOptions, totalsByShop } from './stream.js';

export const GROUP = 'orders';
export const OPERATION = 'demo-ingest';
export const TOTALS_NODE = 'shop-totals';
const RECENT_ORDERS_KEPT = 100;
const CHECKPOINT_TTL_MS = 30 * 24 * 3600 * 1000;
const COMPACT_EVERY_WINDOWS = 10;

/** What the operation checkpoint holds: enough to resume. */
export interface WorkerState {
  /** The run this state belongs to: a resumed worker must read the same stream the same way. */
  run: StreamOptions & Pick<PipelineOptions, 'lookahead'>;
  /** Orders read so far, per partition (index into the stream). */
  offsets: number[];
  /** The window being processed, if the worker stopped inside one. */
  window: StoredWindow | null;
  /**
   * The last window processed: a window that did not move is not processed again, after a
   * restart as before it, so a resumed run takes exactly the steps an uninterrupted one takes.
   * Every order below its end is applied.
   */
  lastWindow: StoredWindow | null;
  /**
   * What the loop does next: read a round, or look at the window (a round was read and saved);
   * `done` once every order is applied and the group has nothing unresolved.
   */
  next: 'consume' | 'window' | 'done';
  windows: number;
  sessionIds: string[];
}

/** A window as the operation checkpoint holds it (formatHlc of each end). */
export interface StoredWindow {
  readonly min: string;
  readonly max: string;
}

const storedWindow = (window: HlcRange): StoredWindow => ({
  min: formatHlc(window.min),
  max: formatHlc(window.max),
});

const sameWindow = (a: StoredWindow | null, b: StoredWindow): boolean =>
  a !== null && a.min === b.min && a.max === b.max;

export interface ShopState {
  count: number;
  amountCents: number;
  recent: string[];
}

/** The aggregate kept in node state: per shop, totals and the latest order ids (so it spans shards). */
export interface TotalsState {
  shops: Record<string, ShopState>;
}

/** The durable steps, in the order a window takes them; the crash injector counts them. */
export const STEPS = [
  'operation consumed',
  'operation processing',
  'runOnce',
  'session begun',
  'session ledger committed',
  'session',
  'node state',
  'group commit',
  'operation applied',
  'operation compacted',
  'operation done',
] as const;
export type StepName = (typeof STEPS)[number];

export interface PipelineHooks {
  /** Called right after every durable step. */
  step(name: StepName): void;
  progress(phase: 'consume' | 'apply', done: number, total: number): void;
  log(line: string): void;
}

export interface PipelineOptions {
  readonly lookahead: number;
  /**
   * The worker's lease on the operation: a worker that restarts after a crash waits for the dead
   * one's lease to run out. Renewed every third of it.
   */
  readonly leaseMs: number;
}

/** The stored progress belongs to another run (other stream options or lookahead). */
export class ResumeMismatchError extends Error {
  override readonly name = 'ResumeMismatchError';
}

/** Orders per partition read in one round: uneven, so partitions resolve at different speeds. */
const chunkSize = (partition: number): number => 5 + ((partition * 7) % 11);

/** What the store holds of this demo's run: nothing, a run to resume, or a run that is done. */
export async function storedRun(
  backend: DemoBackend<unknown>,
): Promise<'none' | 'in progress' | 'complete'> {
  const latest = await backend.adapter.operations.open(OPERATION).latest();
  if (!latest) return 'none';
  const saved = JSON.parse(utf8Decode(latest.data)) as WorkerState;
  return saved.next === 'done' ? 'complete' : 'in progress';
}

export async function runPipeline<Tx>(
  backend: DemoBackend<Tx>,
  stream: OrderStream,
  options: PipelineOptions,
  hooks: PipelineHooks,
): Promise<WorkerState> {
  const { adapter } = backend;
  const total = [...stream.byPartition.values()].reduce((n, events) => n + events.length, 0);
  const op = adapter.operations.open(OPERATION);
  const lease = await acquireLease(op, options.leaseMs, hooks);
  let renewedAt = Date.now();
  const step = async (name: StepName): Promise<void> => {
    hooks.step(name);
    if (Date.now() - renewedAt > options.leaseMs / 3) {
      await lease.renew({ leaseMs: options.leaseMs });
      renewedAt = Date.now();
    }
  };

  const group = await adapter.groups.start(GROUP, {
    lookahead: options.lookahead,
    pollIntervalMs: 60_000,
  });
  try {
    await group.ensure(stream.partitions);
    const totals = adapter.nodes<TotalsState>({ shardBytes: 4096 }).for(TOTALS_NODE);
    await createOnce(totals);
    const ledger = adapter.sessions.committable('ledger');
    const index = adapter.sessions.committable('shop-index');
    // Participants commit in name order: ledger, then shop-index. The crash injector can stop
    // the process between the two (and right after begin), where recovery must finish the job.
    const committer = new MultiCommitter(
      adapter.sessions.kv('demo-sessions'),
      {
        ledger: afterCommit(ledger, () => hooks.step('session ledger committed')),
        'shop-index': index,
      },
      { onEvent: (event) => event.type === 'begin' && hooks.step('session begun') },
    );

    const latest = await op.latest();
    const run = { ...stream.options, lookahead: options.lookahead };
    const state: WorkerState = latest
      ? resumable(JSON.parse(utf8Decode(latest.data)) as WorkerState, run)
      : {
          run,
          offsets: stream.partitions.map(() => 0),
          window: null,
          lastWindow: null,
          next: 'consume',
          windows: 0,
          sessionIds: [],
        };
    const appliedOrders = (): number =>
      state.lastWindow ? ordersBelow(stream, parseHlc(state.lastWindow.max)) : 0;
    if (latest) {
      hooks.log(
        `resuming from operation checkpoint ${latest.id} (${latest.label}): ${sum(state.offsets)}/${total} orders read, ` +
          `${appliedOrders()} applied in ${state.windows} windows`,
      );
    }
    const save = async (label: 'consumed' | 'processing' | 'applied' | 'done'): Promise<void> => {
      await op.checkpoint(label, utf8Encode(JSON.stringify(state)));
      await step(`operation ${label}`);
    };

    const processWindow = async (window: HlcRange): Promise<void> => {
      state.window = storedWindow(window);
      await save('processing');
      const events = ordersIn(stream, state.offsets, window);
      const windowKey = `window ${state.window.min} ${state.window.max}`;
      if (events.length > 0) {
        for (const event of events) {
          await adapter.checkpoints.runOnce(
            orderKey(event, 'apply-order'),
            { ttlMs: CHECKPOINT_TTL_MS },
            async (tx) => backend.recordEffect(tx, event),
          );
          await step('runOnce');
        }
        // Windows may overlap (a lagging partition pulls the next window's low end back), so the
        // aggregates take only the orders no earlier window counted. Decided before the session,
        // so a replay of this window computes the same set.
        const fresh: OrderEvent[] = [];
        for (const event of events) {
          if (!(await adapter.checkpoints.exists(countedMark(event)))) fresh.push(event);
        }
        state.sessionIds.push(await writeSession(committer, ledger, index, windowKey, fresh));
        await step('session');
        if (fresh.length > 0) await addToTotals(backend, totals, fresh);
        await step('node state');
      }
      await group.commit(window);
      await step('group commit');
      state.lastWindow = state.window;
      state.window = null;
      state.next = 'consume';
      state.windows++;
      await save('applied');
      hooks.progress('apply', appliedOrders(), total);
      if (state.windows % COMPACT_EVERY_WINDOWS === 0) {
        await op.compact('compacted');
        await step('operation compacted');
      }
    };

    // A window the previous worker was inside when it stopped: finish that one first.
    if (state.window)
      await processWindow({ min: parseHlc(state.window.min), max: parseHlc(state.window.max) });

    let idleRounds = 0;
    while (state.next !== 'done') {
      let consumed = false;
      if (state.next === 'consume') {
        consumed = await consumeRound(stream, state, group);
        state.next = 'window';
        if (consumed) {
          await save('consumed');
          hooks.progress('consume', sum(state.offsets), total);
        }
      }
      const window = await group.refresh();
      if (!sameWindow(state.lastWindow, storedWindow(window))) {
        await processWindow(window);
        idleRounds = 0;
      } else if (!consumed && ++idleRounds > 3) {
        const { min, max } = storedWindow(window);
        throw new Error(`the window is stuck at [${min}, ${max}) with orders left to apply`);
      }
      state.next = 'consume';
      const exhausted = state.offsets.every(
        (o, p) => o >= (stream.byPartition.get(stream.partitions[p] as string)?.length ?? 0),
      );
      if (exhausted && !(await adapter.groups.scanUnresolved()).includes(GROUP)) {
        state.next = 'done';
        await save('done');
      }
    }
    // Housekeeping once the stream is applied: history no window can read any more, shards no
    // generation references (no grace period: this worker holds the lease and reads nothing old).
    await group.prune();
    await totals.clean({ graceMs: 0 });
    await op.compact('done');
    hooks.progress('consume', total, total);
    hooks.progress('apply', appliedOrders(), total);
    return state;
  } finally {
    await group.stop();
    await lease.release().catch(() => undefined);
  }
}

/** `participant`, with `then` called right after each of its commits. */
function afterCommit(participant: Committable, then: () => void): Committable {
  return {
    begin: (key) => participant.begin(key),
    beginRecovery: (key) => participant.beginRecovery(key),
    commit: async (key) => {
      const id = await participant.commit(key);
      then();
      return id;
    },
    cancel: () => participant.cancel(),
  };
}

/** The saved state, if it belongs to this run. */
function resumable(saved: WorkerState, run: WorkerState['run']): WorkerState {
  const flags = (r: WorkerState['run']): string =>
    `--events ${r.events} --partitions ${r.partitions} --seed ${r.seed} --lookahead ${r.lookahead}`;
  if (!saved.run) {
    throw new ResumeMismatchError(
      'the stored progress is from another version of the demo: add --reset to start over',
    );
  }
  if (flags(saved.run) !== flags(run)) {
    throw new ResumeMismatchError(
      `the stored progress is from a run with ${flags(saved.run)}, not ${flags(run)}: run with those options to resume it, or add --reset to start over`,
    );
  }
  return saved;
}

/** Orders of the stream with ts < max. */
function ordersBelow(stream: OrderStream, max: Hlc): number {
  let count = 0;
  for (const events of stream.byPartition.values()) {
    for (const e of events) if (compareHlc(e.ts, max) < 0) count++;
  }
  return count;
}

/**
 * Reads the next chunk of every partition and advances its resolved timestamp: the chunk's last
 * order, or the end of the stream once the partition has delivered everything. One advance per
 * partition and round, derived from the saved offsets only, so a worker that restarts from an
 * older offset re-proposes exactly the timestamp it proposed before (equal to the partition's
 * maximum: accepted) and never a lower one (TimestampRegressionError).
 */
async function consumeRound(
  stream: OrderStream,
  state: WorkerState,
  group: CheckpointGroup,
): Promise<boolean> {
  let consumed = false;
  for (const [p, partition] of stream.partitions.entries()) {
    const events = stream.byPartition.get(partition) ?? [];
    const from = state.offsets[p] ?? 0;
    const to = Math.min(events.length, from + chunkSize(p));
    // Exhausted: everything up to the end of the stream has been delivered for this partition.
    const resolved = to >= events.length ? stream.end : (events[to - 1] as OrderEvent).ts;
    await group.advance(partition, resolved);
    if (to > from) {
      state.offsets[p] = to;
      consumed = true;
    }
  }
  return consumed;
}

/** The orders in a window: read, with lo < ts < max (lo itself is an applied timestamp). */
export function ordersIn(
  stream: OrderStream,
  offsets: readonly number[],
  window: HlcRange,
): OrderEvent[] {
  const owned: OrderEvent[] = [];
  for (const [p, partition] of stream.partitions.entries()) {
    const events = (stream.byPartition.get(partition) ?? []).slice(0, offsets[p] ?? 0);
    for (const e of events) {
      if (compareHlc(e.ts, window.min) > 0 && compareHlc(e.ts, window.max) < 0) owned.push(e);
    }
  }
  return owned.sort((a, b) => compareHlc(a.ts, b.ts));
}

/** One session, keyed by the window: the ledger entry and the per-shop running index, applied together. */
async function writeSession(
  committer: MultiCommitter,
  ledger: CommittableDataset,
  index: CommittableDataset,
  windowKey: string,
  events: readonly OrderEvent[],
): Promise<string> {
  const key = utf8Encode(windowKey);
  await committer.begin(key);
  const perShop = totalsByShop(events);
  ledger.set(
    windowKey,
    utf8Encode(JSON.stringify({ events: events.length, amountCents: sumAmount(events) })),
  );
  for (const [shop, t] of perShop) {
    // Derived from the committed value: replaying a session that was applied would count it twice,
    // which the dataset's marker prevents.
    const previous = await index.get(shop);
    const before = previous
      ? (JSON.parse(utf8Decode(previous)) as { count: number; amountCents: number })
      : { count: 0, amountCents: 0 };
    index.set(
      shop,
      utf8Encode(
        JSON.stringify({
          count: before.count + t.count,
          amountCents: before.amountCents + t.amountCents,
        }),
      ),
    );
  }
  return toHex(await committer.commit(key));
}

/** Adds orders to the totals once each: their run-once checkpoints commit with the new generation. */
async function addToTotals<Tx>(
  backend: DemoBackend<Tx>,
  totals: NodeStore<TotalsState, Tx>,
  events: readonly OrderEvent[],
): Promise<void> {
  await totals.run({
    modify(state) {
      for (const e of events) {
        const shop = state.shops[e.shop] ?? { count: 0, amountCents: 0, recent: [] };
        state.shops[e.shop] = shop;
        shop.count++;
        shop.amountCents += e.amountCents;
        shop.recent.push(e.id);
        if (shop.recent.length > RECENT_ORDERS_KEPT) shop.recent.shift();
      }
    },
    async commit(tx) {
      for (const e of events) {
        await backend.adapter.checkpoints.insertIn(tx, countedMark(e), {
          ttlMs: CHECKPOINT_TTL_MS,
        });
      }
    },
  });
}

const orderKey = (event: OrderEvent, processId: string): CheckpointKey => ({
  project: ORDER_PROJECT,
  resourceId: event.id,
  processId,
});

/**
 * The mark that an order is in the totals: one scope for the whole aggregate, the order in the
 * uniquifier. A window's marks commit in one transaction with the node state, and on Datastore's
 * emulator (and legacy Cloud Datastore) a transaction may touch at most 25 entity groups: a scope
 * per order would be one group per order.
 */
const countedMark = (event: OrderEvent): CheckpointKey => ({
  project: ORDER_PROJECT,
  resourceId: TOTALS_NODE,
  processId: 'count-order',
  uniquifier: event.id,
});

async function createOnce(totals: NodeStore<TotalsState, unknown>): Promise<void> {
  try {
    await totals.get();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    await totals.create({ shops: {} }).catch((e: unknown) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  }
}

/** One worker at a time: a restarted worker waits for the killed one's lease to run out. */
async function acquireLease(
  op: Operation,
  leaseMs: number,
  hooks: PipelineHooks,
): Promise<OperationLease> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op.acquire({ owner: `demo-worker-${process.pid}`, leaseMs });
    } catch (error) {
      if (!(error instanceof AlreadyExistsError) || attempt > 20) throw error;
      const holder = error.existing as { owner: string; expiryTime: Date };
      if (attempt === 0)
        hooks.log(
          `waiting for ${holder.owner}'s lease to run out (${holder.expiryTime.toISOString()})`,
        );
      await sleep(Math.max(50, holder.expiryTime.getTime() - Date.now() + 50));
    }
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const sumAmount = (events: readonly OrderEvent[]): number =>
  events.reduce((a, e) => a + e.amountCents, 0);
