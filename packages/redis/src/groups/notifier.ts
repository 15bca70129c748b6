/**
 * Cross-process change notification for checkpoint groups: group-advance, group-commit and
 * group-ensure PUBLISH on the group's channel inside their script; this side listens on one
 * subscriber connection per adapter, opened on the first subscribe (a duplicate of the adapter's
 * client: a connection in subscriber mode can run nothing else) and closed with the adapter.
 * Classic PUBLISH reaches subscribers on every Cluster node. ioredis resubscribes on reconnect.
 */
import { closeClient, quiet, type RedisClient } from '../connection.js';
import { redisCall } from '../errors.js';

interface Channel {
  readonly listeners: Set<() => void>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

export class ChangeNotifier {
  private connection: RedisClient | null = null;
  private readonly channels = new Map<string, Channel>();
  private closed = false;

  constructor(private readonly source: RedisClient) {}

  async subscribe(channelName: string, onChange: () => void): Promise<() => Promise<void>> {
    const connection = this.open();
    let channel = this.channels.get(channelName);
    if (!channel) {
      channel = {
        listeners: new Set(),
        subscribed: redisCall('subscribe', () => connection.subscribe(channelName)),
      };
      this.channels.set(channelName, channel);
    }
    const { listeners, subscribed } = channel;
    listeners.add(onChange);
    try {
      await subscribed;
    } catch (error) {
      listeners.delete(onChange);
      if (this.channels.get(channelName) === channel && listeners.size === 0)
        this.channels.delete(channelName);
      throw error;
    }
    return async () => {
      listeners.delete(onChange);
      if (listeners.size > 0 || this.channels.get(channelName) !== channel) return;
      this.channels.delete(channelName);
      if (!this.closed) await connection.unsubscribe(channelName).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    if (this.connection) await closeClient(this.connection);
  }

  private open(): RedisClient {
    if (!this.connection) {
      const connection = quiet(
        (this.source as { duplicate(): RedisClient }).duplicate() as RedisClient,
      );
      connection.on('message', (channel: string) => {
        for (const listener of this.channels.get(channel)?.listeners ?? []) listener();
      });
      this.connection = connection;
    }
    return this.connection;
  }
}
