/**
 * A bound on the adapter's read-write transactions in flight in this process. The Spanner
 * emulator runs one read-write transaction per database at a time and aborts every other one
 * that overlaps it — at commit, after its work ran — so fifty concurrent calls on one adapter
 * collapse into abort-and-retry storms there. Queuing them in process (capacity 1 on the
 * emulator) lets each commit on its first attempt; transactions from other adapters and other
 * processes still abort each other and go through core's retry policy. Production Spanner runs
 * transactions on different rows concurrently: there the default is no bound.
 *
 * A transaction started inside another of ours (a nested write from a user callback) bypasses
 * the gate: waiting for the gate it holds would never end.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class TransactionGate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly holder = new AsyncLocalStorage<TransactionGate>();

  constructor(private readonly capacity: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.holder.getStore() === this) return work();
    if (this.inFlight >= this.capacity) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      return await this.holder.run(this, work);
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; otherwise free it.
      if (next) next();
      else this.inFlight--;
    }
  }
}
