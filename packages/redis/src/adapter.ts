/**
 * createRedisAdapter: checkpointkit's five primitives on Redis or Redis Cluster (ioredis). This
 * file wires the storage primitives together; composeAdapter (core) builds the public API —
 * validation, times, errors and algorithms — on top of them.
 */
import {
  type Adapter,
  type AdapterBackends,
  composeAdapter,
  PROJECT_PATTERN,
  requireName,
  ValidationError,
} from '@checkpointkit/core';
import { redisCheckpoints } from './checkpoints/backend.js';
import {
  closeClient,
  openClient,
  type RedisClient,
  type RedisConnection,
  requireClockAgreement,
  requireNoEviction,
  requireServerVersion,
} from './connection.js';
import type { RedisContext } from './context.js';
import { redisCall } from './errors.js';
import { redisGroups } from './groups/backend.js';
import { ChangeNotifier } from './groups/notifier.js';
import { CLOCK_SKEW_ALLOWANCE_MS, WriteJournal } from './journal.js';
import { type ColocationAnchor, keyLayout } from './key-layout.js';
import { allScripts } from './lua/index.js';
import { redisNodes } from './nodes/backend.js';
import { redisOperations } from './operations/backend.js';
import { type RedisAdapterOptions, resolveRedisOptions } from './options.js';
import { ScriptRunner } from './scripts.js';
import { redisSessions } from './sessions/backend.js';
import type { RedisTx } from './tx/tx.js';
import { Units } from './tx/unit.js';

export interface RedisAdapter extends Adapter<RedisTx> {
  /** The ioredis client the adapter uses (yours, if you passed one). */
  readonly client: RedisClient;
  readonly keyPrefix: string;
  /**
   * The name of the key that `tx.key(...parts)` writes in a transaction anchored at `anchor`:
   * `{ checkpoint: { project, resourceId } }` for runOnce (and insertIn) on that resource,
   * `{ dataset: name }` for a dataset's onCommit, `{ node: id }` for Operator.commit,
   * `{ transaction: true }` for a bare adapter.transaction without insertIn.
   */
  colocatedKey(anchor: ColocationAnchor, ...parts: string[]): string;
}

export function createRedisAdapter(
  connection: RedisConnection,
  options: RedisAdapterOptions = {},
): RedisAdapter {
  const resolved = resolveRedisOptions(options);
  const { client, owned } = openClient(connection);
  const layout = keyLayout(resolved.keyPrefix);
  const scripts = new ScriptRunner(client);
  const journal = new WriteJournal(scripts, layout, resolved);
  const units = new Units(
    { userKey: layout.userKey, isCluster: client.isCluster },
    client,
    journal,
  );
  const context: RedisContext = { client, scripts, layout, units, journal, options: resolved };
  const notifier = new ChangeNotifier(client);

  const backends: AdapterBackends<RedisTx> = {
    name: 'redis',
    options: resolved,
    checkpoints: redisCheckpoints(context),
    operations: redisOperations(context),
    groups: redisGroups(context, notifier),
    sessions: redisSessions(context),
    nodes: redisNodes(context),
    transaction: (work) => units.transaction(work, resolved.retry),
    // Redis needs no schema: setup checks the servers (version, no eviction, clock) and
    // preloads the scripts, so that every later call is a single EVALSHA. All idempotent.
    setup: async () => {
      await redisCall('setup', async () => {
        await requireServerVersion(client);
        await requireNoEviction(client, resolved.allowEvictingServer);
        await requireClockAgreement(client, CLOCK_SKEW_ALLOWANCE_MS);
      });
      await scripts.load(allScripts);
    },
    close: async () => {
      await notifier.close();
      if (owned) await closeClient(client);
    },
  };

  return {
    ...composeAdapter(backends),
    client,
    keyPrefix: resolved.keyPrefix,
    colocatedKey(anchor: ColocationAnchor, ...parts: string[]): string {
      if (parts.length === 0) throw new ValidationError('parts', 'must name at least one part');
      const checked = parts.map((p, i) => requireName(`parts[${i}]`, p, 1024));
      return layout.userKey(layout.anchorTag(requireAnchor(anchor)), checked);
    },
  };
}

function requireAnchor(anchor: unknown): ColocationAnchor {
  const a = anchor as Record<string, unknown> | null;
  if (typeof a !== 'object' || a === null)
    throw new ValidationError(
      'anchor',
      'must be { checkpoint }, { dataset }, { node } or { transaction: true }',
    );
  if (a.checkpoint !== undefined) {
    const { project, resourceId } = (a.checkpoint ?? {}) as Record<string, unknown>;
    if (typeof project !== 'string' || !PROJECT_PATTERN.test(project))
      throw new ValidationError('anchor.checkpoint.project', `does not match ${PROJECT_PATTERN}`);
    return {
      checkpoint: {
        project,
        resourceId: requireName('anchor.checkpoint.resourceId', resourceId, 1024),
      },
    };
  }
  if (a.dataset !== undefined) return { dataset: requireName('anchor.dataset', a.dataset, 256) };
  if (a.node !== undefined) return { node: requireName('anchor.node', a.node, 256) };
  if (a.transaction === true) return { transaction: true };
  throw new ValidationError(
    'anchor',
    'must be { checkpoint }, { dataset }, { node } or { transaction: true }',
  );
}
