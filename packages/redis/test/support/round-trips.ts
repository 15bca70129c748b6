/**
 * Counts round trips: every request ioredis sends is one write on a connection's socket (a
 * pipeline or MULTI is one write too), and each of the adapter's calls waits for the reply of
 * one request before it sends the next.
 */
import type { Cluster, Redis } from 'ioredis';

export class RoundTripCounter {
  private writes = 0;
  private readonly restores: (() => void)[] = [];

  private constructor() {}

  /** Connects every connection of `client` (each Cluster node too) and starts counting. */
  static async attach(client: Redis | Cluster): Promise<RoundTripCounter> {
    const counter = new RoundTripCounter();
    await client.ping();
    const connections = client.isCluster ? (client as Cluster).nodes('all') : [client as Redis];
    await Promise.all(connections.map((c) => c.ping()));
    for (const connection of connections) {
      const stream = connection.stream;
      const write = stream.write;
      stream.write = ((...args: Parameters<typeof write>) => {
        counter.writes += 1;
        return write.apply(stream, args);
      }) as typeof write;
      counter.restores.push(() => {
        stream.write = write;
      });
    }
    return counter;
  }

  /** Round trips `work` made. */
  async count(work: () => Promise<unknown>): Promise<number> {
    const before = this.writes;
    await work();
    return this.writes - before;
  }

  detach(): void {
    for (const restore of this.restores) restore();
  }
}
