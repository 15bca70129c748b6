/**
 * The run-once checkpoint protocol, written once over CheckpointBackend. Times come from the
 * adapter clock; a record is live while expiryMs > now, checked here on every read, so a backend
 * that has not yet garbage-collected an expired record never serves it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import {
  AlreadyExistsError,
  LeaseLostError,
  NotFoundError,
  ValidationError,
  WaitTimeoutError,
} from '../errors.js';
import type { Codec } from '../nodes/types.js';
import { sleep } from '../retry.js';
import {
  requireDurationMs,
  requireFunction,
  requireName,
  requireObject,
  requirePositiveInteger,
} from '../validation.js';
import type { CheckpointBackend, CheckpointRecord, RunOnceOutcome } from './backend.js';
import {
  compareCheckpointKeys,
  requireCheckpointKey,
  requireProcessId,
  requireProject,
  requireResourceId,
} from './key.js';
import {
  checkFingerprint,
  decodeResult,
  describeKey,
  encodeResult,
  fingerprintHash,
  resultCodec,
  withIdempotency,
} from './results.js';
import type {
  Checkpoint,
  CheckpointKey,
  CheckpointStore,
  Claim,
  ClaimOptions,
  CompletedCheckpoint,
  InProgressCheckpoint,
  ListUniquifiersOptions,
  NormalizedCheckpointKey,
  RunOnceOptions,
  RunOnceResult,
  TtlOptions,
  WaitForOptions,
} from './types.js';

export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;
export const DEFAULT_WAIT_POLL_MS = 100;

export const DEFAULT_UNIQUIFIER_PAGE_SIZE = 500;
export const MAX_UNIQUIFIER_PAGE_SIZE = 10_000;

export function isLive(record: CheckpointRecord, nowMs: number): boolean {
  return record.expiryMs > nowMs;
}

export function toCheckpoint(record: CheckpointRecord): Checkpoint {
  return {
    key: record.key,
    creationTime: new Date(record.creationMs),
    expiryTime: new Date(record.expiryMs),
  };
}

export function toInProgress(record: CheckpointRecord): InProgressCheckpoint {
  return {
    key: record.key,
    inProgress: true,
    owner: record.claim?.owner ?? '',
    claimTime: new Date(record.creationMs),
    leaseExpiryTime: new Date(record.expiryMs),
  };
}

/** The error for a key that is live: carries the completed checkpoint or the in-progress claim. */
export function alreadyExists(
  live: CheckpointRecord,
): AlreadyExistsError<Checkpoint | InProgressCheckpoint> {
  const what = describeKey(live.key);
  return live.claim
    ? new AlreadyExistsError(
        `checkpoint ${what} is in progress (claimed by ${live.claim.owner})`,
        toInProgress(live),
      )
    : new AlreadyExistsError(`checkpoint ${what} already exists`, toCheckpoint(live));
}

function ttlOf(options: unknown): number {
  return requireDurationMs('ttlMs', requireObject('options', options).ttlMs);
}

function checkpointRecord(
  key: NormalizedCheckpointKey,
  nowMs: number,
  ttlMs: number,
): CheckpointRecord {
  return { key, creationMs: nowMs, expiryMs: nowMs + ttlMs };
}

export function createCheckpointStore<Tx>(
  backend: CheckpointBackend<Tx>,
  clock: Clock,
  maxResultBytes: number,
): CheckpointStore<Tx> {
  function prefixOf(
    project: unknown,
    resourceId: unknown,
    processId: unknown,
  ): Omit<NormalizedCheckpointKey, 'uniquifier'> {
    return {
      project: requireProject(project),
      resourceId: requireResourceId(resourceId),
      processId: requireProcessId(processId),
    };
  }

  async function* listUniquifiers(
    project: string,
    resourceId: string,
    processId: string,
    options: ListUniquifiersOptions = {},
  ): AsyncIterable<string> {
    const prefix = prefixOf(project, resourceId, processId);
    const limit = requirePositiveInteger(
      'pageSize',
      requireObject('options', options).pageSize ?? DEFAULT_UNIQUIFIER_PAGE_SIZE,
      MAX_UNIQUIFIER_PAGE_SIZE,
    );
    let after: string | null = null;
    for (;;) {
      const page = await backend.liveUniquifiers(prefix, clock(), { after, limit });
      yield* page;
      if (page.length < limit) return;
      after = page[page.length - 1] as string;
    }
  }

  function claimHandle<T>(
    record: CheckpointRecord & { claim: { owner: string; token: string } },
    codec: Codec<T> | null,
  ): Claim<T> {
    const { key } = record;
    const { token, owner } = record.claim;
    const resource = `checkpoint ${key.project}/${key.processId}`;
    return {
      key,
      token,
      owner,
      leaseExpiryTime: new Date(record.expiryMs),
      async complete(options: TtlOptions & { readonly value?: T }): Promise<Checkpoint> {
        const ttlMs = ttlOf(options);
        const result =
          codec !== null && options.value !== undefined
            ? encodeResult(codec, options.value, maxResultBytes)
            : undefined;
        const done = withIdempotency(checkpointRecord(key, clock(), ttlMs), {
          fingerprint: record.fingerprint,
          result,
        });
        if (!(await backend.replaceClaim(key, token, done))) {
          throw new LeaseLostError(
            resource,
            'the key was claimed by another worker after the lease ran out',
          );
        }
        return toCheckpoint(done);
      },
      async renew(options: { leaseMs: number }): Promise<void> {
        const leaseMs = requireDurationMs('leaseMs', requireObject('options', options).leaseMs);
        // The claim as it was (owner, token, fingerprint), with a new deadline.
        const renewed = { ...record, expiryMs: clock() + leaseMs };
        if (!(await backend.replaceClaim(key, token, renewed))) {
          throw new LeaseLostError(
            resource,
            'the key was claimed by another worker after the lease ran out',
          );
        }
      },
      async release(): Promise<void> {
        await backend.replaceClaim(key, token, null);
      },
    };
  }

  return {
    async exists(key: CheckpointKey): Promise<boolean> {
      const k = requireCheckpointKey(key);
      const record = await backend.read(k);
      return record !== null && !record.claim && isLive(record, clock());
    },

    async insert(key: CheckpointKey, options: TtlOptions): Promise<Checkpoint> {
      const k = requireCheckpointKey(key);
      const ttlMs = ttlOf(options);
      const now = clock();
      const record = checkpointRecord(k, now, ttlMs);
      const live = await backend.insertUnlessLive(record, now);
      if (live) throw alreadyExists(live);
      return toCheckpoint(record);
    },

    async tryInsert(key: CheckpointKey, options: TtlOptions): Promise<boolean> {
      const k = requireCheckpointKey(key);
      const ttlMs = ttlOf(options);
      const now = clock();
      return (await backend.insertUnlessLive(checkpointRecord(k, now, ttlMs), now)) === null;
    },

    insertIn(tx: Tx, key: CheckpointKey, options: TtlOptions): void | Promise<void> {
      const k = requireCheckpointKey(key);
      const ttlMs = ttlOf(options);
      const now = clock();
      return backend.insertIn(tx, checkpointRecord(k, now, ttlMs), now);
    },

    async readAllUniquifiers(
      project: string,
      resourceId: string,
      processId: string,
    ): Promise<Set<string>> {
      const all = new Set<string>();
      for await (const u of listUniquifiers(project, resourceId, processId)) all.add(u);
      return all;
    },

    listUniquifiers,

    async runOnce<T>(
      key: CheckpointKey,
      options: RunOnceOptions<T>,
      work: (tx: Tx) => Promise<T>,
    ): Promise<RunOnceResult<T>> {
      const k = requireCheckpointKey(key);
      const ttlMs = ttlOf(options);
      const codec = resultCodec<T>(options.result);
      const fingerprint = fingerprintHash(options.fingerprint);
      requireFunction('work', work);
      const now = clock();
      const record = withIdempotency(checkpointRecord(k, now, ttlMs), { fingerprint });
      // The result is encoded (and bounded) inside the backend's transaction, before its write.
      const completed =
        codec === null
          ? undefined
          : (value: T): CheckpointRecord =>
              withIdempotency(record, { result: encodeResult(codec, value, maxResultBytes) });
      const outcome: RunOnceOutcome<T> = await backend.runOnce(record, now, work, completed);
      if (outcome.ran) return { ran: true, value: outcome.value };
      checkFingerprint(outcome.existing, fingerprint);
      if (outcome.existing.claim) throw alreadyExists(outcome.existing);
      return {
        ran: false,
        checkpoint: toCheckpoint(outcome.existing),
        value: decodeResult(codec, outcome.existing),
      };
    },

    async claim<T = unknown>(key: CheckpointKey, options: ClaimOptions<T>): Promise<Claim<T>> {
      const k = requireCheckpointKey(key);
      const opts = requireObject('options', options);
      const leaseMs = requireDurationMs('leaseMs', opts.leaseMs);
      const owner = requireName('owner', opts.owner, 256);
      const codec = resultCodec<T>(opts.result);
      const fingerprint = fingerprintHash(opts.fingerprint);
      const now = clock();
      const record = {
        ...withIdempotency({ key: k, creationMs: now, expiryMs: now + leaseMs }, { fingerprint }),
        claim: { owner, token: randomUUID() },
      };
      const live = await backend.insertUnlessLive(record, now);
      if (live) {
        checkFingerprint(live, fingerprint);
        throw alreadyExists(live);
      }
      return claimHandle(record, codec);
    },

    async waitFor<T = unknown>(
      key: CheckpointKey,
      options: WaitForOptions<T> = {},
    ): Promise<CompletedCheckpoint<T>> {
      const k = requireCheckpointKey(key);
      const opts = requireObject('options', options);
      const timeoutMs = requireDurationMs('timeoutMs', opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
      const pollMs = requireDurationMs(
        'pollIntervalMs',
        opts.pollIntervalMs ?? DEFAULT_WAIT_POLL_MS,
      );
      const codec = resultCodec<T>(opts.result);
      // Real time, not the adapter clock: a test clock that stands still must not wait forever.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await backend.read(k);
        const live = record !== null && isLive(record, clock());
        if (live && !record.claim) {
          return { checkpoint: toCheckpoint(record), value: decodeResult(codec, record) };
        }
        if (!live) {
          throw new NotFoundError(
            `checkpoint ${describeKey(k)}: neither completed nor claimed (absent, expired, released or its lease ran out)`,
          );
        }
        if (Date.now() >= deadline) {
          throw new WaitTimeoutError(
            `checkpoint ${describeKey(k)}: still in progress after ${timeoutMs} ms (claimed by ${record.claim?.owner})`,
          );
        }
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
      }
    },

    purgeExpired(): Promise<number> {
      return backend.purgeExpired(clock());
    },

    async readAllForTesting(): Promise<Checkpoint[]> {
      const records = (await backend.readAll()).filter((r) => !r.claim);
      records.sort((a, b) => compareCheckpointKeys(a.key, b.key));
      return records.map(toCheckpoint);
    },

    async setForTesting(checkpoints: readonly Checkpoint[]): Promise<void> {
      if (!Array.isArray(checkpoints)) throw new ValidationError('checkpoints', 'must be an array');
      const records = checkpoints.map((c, i): CheckpointRecord => {
        const field = `checkpoints[${i}]`;
        const cp = requireObject(field, c);
        const creationMs = dateMs(`${field}.creationTime`, cp.creationTime);
        const expiryMs = dateMs(`${field}.expiryTime`, cp.expiryTime);
        return { key: requireCheckpointKey(cp.key, `${field}.key`), creationMs, expiryMs };
      });
      await backend.replaceAll(records);
    },
  };
}

function dateMs(field: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError(field, 'must be a valid Date');
  return ms;
}

/**
 * runOnce for backends whose transactions can read: read the key in the transaction, stop if it
 * is live, otherwise run `work` and write the checkpoint in the same transaction.
 */
export async function transactionalRunOnce<Tx, T>(
  transaction: <R>(body: (tx: Tx) => Promise<R>) => Promise<R>,
  readIn: (
    tx: Tx,
    key: NormalizedCheckpointKey,
  ) => CheckpointRecord | null | Promise<CheckpointRecord | null>,
  writeIn: (tx: Tx, record: CheckpointRecord) => void | Promise<void>,
  record: CheckpointRecord,
  nowMs: number,
  work: (tx: Tx) => Promise<T>,
  completed?: (value: T) => CheckpointRecord,
): Promise<RunOnceOutcome<T>> {
  return transaction(async (tx): Promise<RunOnceOutcome<T>> => {
    const existing = await readIn(tx, record.key);
    if (existing && isLive(existing, nowMs)) return { ran: false, existing };
    const value = await work(tx);
    await writeIn(tx, completed ? completed(value) : record);
    return { ran: true, value };
  });
}
