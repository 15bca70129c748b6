/**
 * The ioredis client an adapter talks to: one it was given (never closed by the adapter) or one
 * it opened from a URL or from Cluster startup nodes (closed by adapter.close()).
 */
import { BackendError, UnsafeConfigurationError, ValidationError } from '@checkpointkit/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export type RedisConnection =
  /** A client you own: the adapter never closes it. It must not set ioredis' `keyPrefix`. */
  | { readonly client: RedisClient }
  /** A standalone server, e.g. `redis://127.0.0.1:6379/0`; the adapter opens and closes it. */
  | { readonly url: string; readonly redisOptions?: RedisOptions }
  /** A Redis Cluster by its startup nodes; the adapter opens and closes it. */
  | { readonly cluster: readonly ClusterNode[]; readonly clusterOptions?: ClusterOptions };

export interface OpenedClient {
  readonly client: RedisClient;
  /** True when the adapter created the client and must close it. */
  readonly owned: boolean;
}

export function openClient(connection: RedisConnection): OpenedClient {
  if (typeof connection !== 'object' || connection === null) {
    throw new ValidationError('connection', 'must be { client }, { url } or { cluster }');
  }
  const given = ['client', 'url', 'cluster'].filter(
    (k) => (connection as unknown as Record<string, unknown>)[k] !== undefined,
  );
  if (given.length !== 1) {
    throw new ValidationError(
      'connection',
      `must have exactly one of client, url or cluster; got ${given.length === 0 ? 'none' : given.join(', ')}`,
    );
  }
  if ('client' in connection && connection.client !== undefined) {
    return { client: requireClient(connection.client), owned: false };
  }
  if ('url' in connection && connection.url !== undefined) {
    if (typeof connection.url !== 'string' || connection.url === '')
      throw new ValidationError('connection.url', 'must be a non-empty string');
    return {
      client: opened(new Redis(connection.url, { ...connection.redisOptions })),
      owned: true,
    };
  }
  const { cluster, clusterOptions } = connection as {
    cluster: readonly ClusterNode[];
    clusterOptions?: ClusterOptions;
  };
  if (!Array.isArray(cluster) || cluster.length === 0)
    throw new ValidationError('connection.cluster', 'must be a non-empty array of startup nodes');
  return { client: opened(new Cluster([...cluster], clusterOptions)), owned: true };
}

/** A client the adapter just created: checked like a given one, and not leaked if refused. */
function opened(client: RedisClient): RedisClient {
  try {
    return requireClient(quiet(client));
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

/**
 * The adapter builds every key itself (script keys and keys built inside scripts alike), so an
 * ioredis `keyPrefix` — which prefixes only some of them — would split its records.
 */
function requireClient(client: unknown): RedisClient {
  const candidate = client as Partial<Redis> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.evalsha !== 'function' ||
    typeof candidate.isCluster !== 'boolean'
  ) {
    throw new ValidationError('connection.client', 'must be an ioredis Redis or Cluster');
  }
  const options = (client as { options?: { keyPrefix?: string; redisOptions?: RedisOptions } })
    .options;
  if (options?.keyPrefix || options?.redisOptions?.keyPrefix) {
    throw new ValidationError(
      'connection.client',
      "must not use ioredis' keyPrefix; give the adapter a keyPrefix instead",
    );
  }
  return client as RedisClient;
}

/**
 * Connection errors surface as rejected commands (translated in errors.ts); without a listener
 * ioredis would also log every reconnect attempt of a client we opened.
 */
export function quiet<C extends RedisClient>(client: C): C {
  client.on('error', () => {});
  return client;
}

/** The servers that hold data: the client itself, or every master of a Cluster. */
export async function dataNodes(client: RedisClient): Promise<Redis[]> {
  if (!client.isCluster) return [client as Redis];
  // A Cluster knows its masters only once it has loaded the slot map.
  if (client.status !== 'ready') await client.ping();
  return (client as Cluster).nodes('master');
}

const QUIT_TIMEOUT_MS = 2000;

/**
 * Closes a client gracefully (QUIT) and resolves once its connections are gone, not merely once
 * the server replied; a server that does not answer in time gets a hard disconnect.
 */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('quit timed out')), QUIT_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all([client.quit(), ended]), timeout]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

/** ZRANGE … BYLEX REV LIMIT (group windows) needs Redis 6.2. */
const MIN_REDIS_VERSION = [6, 2];

/** Fails unless every server that holds data runs a Redis the adapter's commands work on. */
export async function requireServerVersion(client: RedisClient): Promise<void> {
  for (const node of await dataNodes(client)) {
    const info = await node.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    const [major, minor] = version ? [Number(version[1]), Number(version[2])] : [0, 0];
    const [needMajor, needMinor] = MIN_REDIS_VERSION as [number, number];
    if (major < needMajor || (major === needMajor && minor < needMinor)) {
      throw new BackendError(
        `Redis ${major}.${minor} at ${node.options.host}:${node.options.port} is too old; checkpointkit needs ${needMajor}.${needMinor} or later`,
      );
    }
  }
}

/**
 * Fails unless every server that holds data keeps what it acknowledged: an evicting
 * `maxmemory-policy` (any but `noeviction`; under `volatile-*` the adapter's keys qualify too,
 * since checkpoints carry a GC ttl) drops checkpoints silently, and runOnce then runs their work
 * again. Read from INFO, which managed Redis services leave enabled when they disable CONFIG.
 * `allowEviction` turns the refusal into a process warning.
 */
export async function requireNoEviction(
  client: RedisClient,
  allowEviction: boolean,
): Promise<void> {
  for (const node of await dataNodes(client)) {
    const info = await node.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
    if (policy === 'noeviction') continue;
    const where = `${node.options.host}:${node.options.port}`;
    const message = `Redis at ${where} runs with maxmemory-policy ${policy}: under memory pressure it evicts keys, and evicted checkpoints make runOnce run their work again. Set maxmemory-policy noeviction (redis.conf, CONFIG SET or your provider's parameter group), or pass allowEvictingServer: true to accept the risk.`;
    if (!allowEviction) throw new UnsafeConfigurationError('maxmemory-policy', message);
    process.emitWarning(message, { code: 'CHECKPOINTKIT_EVICTING_REDIS' });
  }
}

/**
 * Fails when a server's clock is further from this process's than the journal allows for
 * (journal.ts): resends are judged by the server's clock against the client's send time.
 */
export async function requireClockAgreement(
  client: RedisClient,
  allowanceMs: number,
): Promise<void> {
  for (const node of await dataNodes(client)) {
    const before = Date.now();
    const [seconds, micros] = await node.time();
    const after = Date.now();
    const serverMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const skewMs = Math.max(serverMs - after, before - serverMs, 0);
    if (skewMs > allowanceMs) {
      throw new UnsafeConfigurationError(
        'clock',
        `the clock of Redis at ${node.options.host}:${node.options.port} is ${skewMs} ms away from this host's; checkpointkit allows ${allowanceMs} ms (synchronise both with NTP)`,
      );
    }
  }
}
