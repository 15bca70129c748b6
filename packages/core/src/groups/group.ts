/**
 * The running side of a checkpoint group, written once: keeps the last good window, refreshes
 * it after local writes, on a poll timer, and on backend notifications, and feeds watchers.
 */
import { ValidationError } from '../errors.js';
import {
  HLC_ORIGIN,
  type Hlc,
  type HlcRange,
  rangeEqual,
  rangeIncluding,
  requireHlc,
  requireHlcRange,
} from '../hlc.js';
import { requireNonNegativeInteger, requireObject, requirePositiveInteger } from '../validation.js';
import type { GroupBackend } from './backend.js';
import { canonicalGroupName, canonicalPartition } from './names.js';
import type { CheckpointGroup, CheckpointGroups, GroupStartOptions } from './types.js';
import { pruneCutoffs, resolvedWindow } from './window.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
/**
 * Background refreshes (after a local write, on a notification) start at most this often. A
 * writer advancing many partitions, or a Redis group hearing its own pub/sub, would otherwise
 * recompute the window once per write; watchers still see a change within this much time.
 */
export const BACKGROUND_REFRESH_GAP_MS = 20;

export function createCheckpointGroups(backend: GroupBackend): CheckpointGroups {
  return {
    async start(name: string, options: GroupStartOptions = {}): Promise<CheckpointGroup> {
      const opts = requireObject('options', options);
      const lookahead =
        opts.lookahead === undefined
          ? undefined
          : requireNonNegativeInteger('lookahead', opts.lookahead, 1_000_000);
      const pollIntervalMs = requirePositiveInteger(
        'pollIntervalMs',
        opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      );
      if (opts.onError !== undefined && typeof opts.onError !== 'function') {
        throw new ValidationError('onError', 'must be a function');
      }
      const group = new GroupRuntime(backend, canonicalGroupName(name), lookahead, options.onError);
      await group.refresh();
      await group.listen(pollIntervalMs);
      return group;
    },
    scanUnresolved(): Promise<string[]> {
      return backend.unresolvedGroups();
    },
  };
}

interface Watcher {
  pending: HlcRange | null;
  wake: (() => void) | null;
}

class GroupRuntime implements CheckpointGroup {
  private current: HlcRange = rangeIncluding(HLC_ORIGIN, HLC_ORIGIN);
  private readonly watchers = new Set<Watcher>();
  /** Refreshes run one after another so that each sees the writes that preceded its request. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A background refresh is waiting (for its gap, or in the queue) and has not started. */
  private backgroundQueued = false;
  private backgroundTimer: ReturnType<typeof setTimeout> | null = null;
  /** A backend notification is waiting for its own macrotask (see notified()). */
  private notificationTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() when the last background refresh started: a rate limit, not a stored time. */
  private lastBackgroundAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private stopped = false;
  lastError: unknown = undefined;

  constructor(
    private readonly backend: GroupBackend,
    readonly name: string,
    private readonly lookahead: number | undefined,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  async listen(pollIntervalMs: number): Promise<void> {
    this.timer = setInterval(() => this.refreshInBackground(), pollIntervalMs);
    this.timer.unref?.();
    if (this.backend.subscribe) {
      this.unsubscribe = await this.backend.subscribe(this.name, () => this.notified());
    }
  }

  async ensure(partitions: readonly string[]): Promise<void> {
    if (!Array.isArray(partitions)) throw new ValidationError('partitions', 'must be an array');
    const canonical = [
      ...new Set(partitions.map((p, i) => canonicalPartition(p, `partitions[${i}]`))),
    ];
    if (canonical.length === 0) return;
    await this.backend.ensure(this.name, canonical);
    this.refreshInBackground();
  }

  async advance(partition: string, ts: Hlc): Promise<void> {
    const p = canonicalPartition(partition);
    const t = requireHlc('ts', ts);
    await this.backend.advance(this.name, p, t);
    this.refreshInBackground();
  }

  async commit(range: HlcRange): Promise<void> {
    const r = requireHlcRange('range', range);
    await this.backend.commit(this.name, r);
    this.refreshInBackground();
  }

  bounds(): HlcRange {
    return this.current;
  }

  refresh(): Promise<HlcRange> {
    const run = this.queue.then(() => this.recompute());
    this.queue = run.catch(() => undefined);
    return run;
  }

  async *watch(options: { signal?: AbortSignal } = {}): AsyncIterable<HlcRange> {
    const signal = requireObject('options', options).signal as AbortSignal | undefined;
    const watcher: Watcher = { pending: this.current, wake: null };
    const onAbort = (): void => watcher.wake?.();
    signal?.addEventListener('abort', onAbort);
    this.watchers.add(watcher);
    try {
      while (!this.stopped && !signal?.aborted) {
        if (watcher.pending) {
          const bounds = watcher.pending;
          watcher.pending = null;
          yield bounds;
          continue;
        }
        await new Promise<void>((resolve) => {
          watcher.wake = resolve;
        });
        watcher.wake = null;
      }
    } finally {
      this.watchers.delete(watcher);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async prune(): Promise<number> {
    const summaries = await this.backend.summaries(this.name, this.lookahead);
    const { lo } = resolvedWindow(summaries);
    return this.backend.prune(this.name, pruneCutoffs(summaries, lo));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.backgroundTimer) clearTimeout(this.backgroundTimer);
    if (this.notificationTimer) clearTimeout(this.notificationTimer);
    for (const w of this.watchers) w.wake?.();
    await this.unsubscribe?.();
    await this.queue;
  }

  /**
   * A backend may call onChange synchronously, from inside the write it reports (an
   * EventEmitter.emit in advance/commit), before that call has returned to its caller. The refresh
   * it asks for therefore starts in a macrotask of its own: never inside the backend's call stack
   * (where a throw would fail the write), and not among the microtasks that settle the write (a
   * window recomputed there would change bounds() before the writer's call has even returned).
   */
  private notified(): void {
    if (this.stopped || this.notificationTimer) return;
    this.notificationTimer = setTimeout(() => {
      this.notificationTimer = null;
      this.refreshInBackground();
    }, 0);
    this.notificationTimer.unref?.();
  }

  /**
   * Coalesced: while one is waiting, further requests join it. It starts no sooner than
   * BACKGROUND_REFRESH_GAP_MS after the previous one started, and after every refresh queued
   * before it, so it sees the writes that asked for it.
   */
  private refreshInBackground(): void {
    if (this.stopped || this.backgroundQueued) return;
    this.backgroundQueued = true;
    const enqueue = (): void => {
      this.backgroundTimer = null;
      this.queue = this.queue.then(async () => {
        this.backgroundQueued = false;
        this.lastBackgroundAt = performance.now();
        if (this.stopped) return;
        try {
          await this.recompute();
        } catch (error) {
          this.onError?.(error);
        }
      });
    };
    const waitMs = this.lastBackgroundAt + BACKGROUND_REFRESH_GAP_MS - performance.now();
    if (waitMs <= 0) {
      enqueue();
      return;
    }
    this.backgroundTimer = setTimeout(enqueue, waitMs);
    this.backgroundTimer.unref?.();
  }

  private async recompute(): Promise<HlcRange> {
    try {
      const window = resolvedWindow(await this.backend.summaries(this.name, this.lookahead));
      const next = rangeIncluding(window.lo, window.hi);
      this.lastError = undefined;
      if (!rangeEqual(next, this.current)) {
        this.current = next;
        for (const w of this.watchers) {
          w.pending = next;
          w.wake?.();
        }
      }
      return next;
    } catch (error) {
      this.lastError = error;
      throw error;
    }
  }
}
